import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { kv, makeNode } from './helpers.js'

type Node = Awaited<ReturnType<typeof makeNode>>

const metric = (text: string, name: string) => Number(new RegExp(`^${name.replace(/[{}"=.]/g, '\\$&')} (\\S+)$`, 'm').exec(text)?.[1] ?? NaN)

describe('/metrics', () => {
  let n: Node
  beforeEach(async () => { n = await makeNode() })
  afterEach(async () => { await n.close() })

  it('counts writes and commits, and shows a blocked event loop in its delay summary', async () => {
    await n.app.inject({ method: 'PUT', url: kv('a'), payload: 'x' })
    // Hold the loop for 300 ms, then let the delay monitor take a sample after it.
    const until = Date.now() + 300
    while (Date.now() < until) { /* blocked on purpose */ }
    await new Promise((r) => setTimeout(r, 50))
    const text = (await n.app.inject({ method: 'GET', url: '/metrics' })).body
    expect(metric(text, 'swarmkv_local_ops_total')).toBe(1)
    expect(metric(text, 'swarmkv_commits_total')).toBeGreaterThanOrEqual(1)
    expect(text).toMatch(/^# TYPE swarmkv_event_loop_delay_seconds summary$/m)
    const max = metric(text, 'swarmkv_event_loop_delay_seconds{quantile="1"}')
    expect(max).toBeGreaterThan(0.25)
    expect(max).toBeLessThan(5)
    expect(metric(text, 'swarmkv_event_loop_delay_seconds{quantile="0.5"}')).toBeLessThanOrEqual(max)
    expect(metric(text, 'swarmkv_event_loop_delay_seconds_window_seconds')).toBe(10)
  })
})
