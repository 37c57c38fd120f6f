import { describe, expect, it } from 'vitest'
import { Histogram, Registry } from 'prom-client'
import { RequestDurations } from '../src/metrics/request-durations.js'

const BOUNDS = [0.001, 0.01, 0.1]

/** The same observations through prom-client's own Histogram, for the text it scrapes. */
async function reference(observations: ReadonlyArray<readonly [string, string, number, number]>): Promise<string> {
  const registry = new Registry()
  const h = new Histogram({ name: 'x_seconds', help: 'h', labelNames: ['route', 'method', 'status'], buckets: BOUNDS, registers: [registry] })
  for (const [route, method, status, s] of observations) h.observe({ route, method, status: String(status) }, s)
  return registry.metrics()
}

describe('RequestDurations', () => {
  it('scrapes exactly what prom-client\'s Histogram scrapes for the same observations', async () => {
    const obs: Array<[string, string, number, number]> = [
      ['/kv/*', 'GET', 200, 0.0005], ['/kv/*', 'GET', 200, 0.001], ['/kv/*', 'GET', 200, 0.05],
      ['/kv/*', 'GET', 404, 0.2], ['/kv/*', 'PUT', 201, 0.01], ['/docs/*', 'PATCH', 412, 0]
    ]
    const registry = new Registry()
    const d = new RequestDurations('x_seconds', 'h', BOUNDS, registry)
    for (const [route, method, status, s] of obs) d.observe(route, method, status, s)
    const sortLines = (t: string) => t.trim().split('\n').sort()
    expect(sortLines(await registry.metrics())).toEqual(sortLines(await reference(obs)))
  })

  it('counts a value on a bound in that bucket and one beyond the last only in +Inf', async () => {
    const registry = new Registry()
    const d = new RequestDurations('x_seconds', 'h', BOUNDS, registry)
    d.observe('/r', 'GET', 200, 0.01)
    d.observe('/r', 'GET', 200, 5)
    const text = await registry.metrics()
    expect(text).toContain('x_seconds_bucket{le="0.001",route="/r",method="GET",status="200"} 0')
    expect(text).toContain('x_seconds_bucket{le="0.01",route="/r",method="GET",status="200"} 1')
    expect(text).toContain('x_seconds_bucket{le="0.1",route="/r",method="GET",status="200"} 1')
    expect(text).toContain('x_seconds_bucket{le="+Inf",route="/r",method="GET",status="200"} 2')
    expect(text).toContain('x_seconds_count{route="/r",method="GET",status="200"} 2')
    expect(text).toContain('x_seconds_sum{route="/r",method="GET",status="200"} 5.01')
    d.reset()
    expect(await registry.metrics()).not.toContain('x_seconds_count')
  })
})
