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

  it('shows the process memory, which follows what the process holds', async () => {
    const read = async () => (await n.app.inject({ method: 'GET', url: '/metrics' })).body
    const before = await read()
    expect(before).toMatch(/^# TYPE process_resident_memory_bytes gauge$/m)
    expect(metric(before, 'process_resident_memory_bytes')).toBeGreaterThanOrEqual(metric(before, 'nodejs_heap_used_bytes'))
    expect(metric(before, 'nodejs_heap_total_bytes')).toBeGreaterThanOrEqual(metric(before, 'nodejs_heap_used_bytes'))
    const held = new Uint8Array(64 * 1024 * 1024).fill(1)
    const after = await read()
    expect(metric(after, 'nodejs_external_memory_bytes') - metric(before, 'nodejs_external_memory_bytes')).toBeGreaterThanOrEqual(60 * 1024 * 1024)
    expect(held[held.length - 1]).toBe(1)
  })
})
