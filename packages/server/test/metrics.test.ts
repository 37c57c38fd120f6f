import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { kv, makeNode } from './helpers.js'

type Node = Awaited<ReturnType<typeof makeNode>>

const metric = (text: string, name: string) => Number(new RegExp(`^${name.replace(/[{}"=.*+?()|[\]\\]/g, '\\$&')} (\\S+)$`, 'm').exec(text)?.[1] ?? NaN)

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
    expect(metric(before, 'process_resident_memory_bytes')).toBeGreaterThanOrEqual(metric(before, 'nodejs_heap_size_used_bytes'))
    expect(metric(before, 'nodejs_heap_size_total_bytes')).toBeGreaterThanOrEqual(metric(before, 'nodejs_heap_size_used_bytes'))
    const held = new Uint8Array(64 * 1024 * 1024).fill(1)
    const after = await read()
    expect(metric(after, 'nodejs_external_memory_bytes') - metric(before, 'nodejs_external_memory_bytes')).toBeGreaterThanOrEqual(60 * 1024 * 1024)
    expect(held[held.length - 1]).toBe(1)
  })

  it('times requests by route pattern, method and status, and counts siblings per read', async () => {
    await n.app.inject({ method: 'PUT', url: kv('a'), payload: 'x' })
    await n.app.inject({ method: 'GET', url: kv('a') })
    await n.app.inject({ method: 'GET', url: kv('a') })
    await n.app.inject({ method: 'GET', url: kv('missing') })
    await n.app.inject({ method: 'GET', url: '/nowhere' })
    const text = (await n.app.inject({ method: 'GET', url: '/metrics' })).body
    expect(metric(text, 'swarmkv_http_request_duration_seconds_count{route="/kv/*",method="PUT",status="201"}')).toBe(1)
    expect(metric(text, 'swarmkv_http_request_duration_seconds_count{route="/kv/*",method="GET",status="200"}')).toBe(2)
    expect(metric(text, 'swarmkv_http_request_duration_seconds_count{route="/kv/*",method="GET",status="404"}')).toBe(1)
    expect(metric(text, 'swarmkv_http_request_duration_seconds_count{route="unmatched",method="GET",status="404"}')).toBe(1)
    expect(metric(text, 'swarmkv_read_siblings_count')).toBe(2)
    expect(metric(text, 'swarmkv_read_siblings_bucket{le="1"}')).toBe(2)
  })

  it('shows commit and fsync latencies, commit sizes, the build and the node\'s state', async () => {
    await n.app.inject({ method: 'POST', url: '/batch', payload: { ops: [{ op: 'put', key: 'a', value: 'x' }, { op: 'put', key: 'b', value: 'y' }] } })
    const text = (await n.app.inject({ method: 'GET', url: '/metrics' })).body
    expect(metric(text, 'swarmkv_commit_duration_seconds_count')).toBeGreaterThanOrEqual(1)
    expect(metric(text, 'swarmkv_fsync_duration_seconds_count')).toBeGreaterThanOrEqual(1)
    expect(metric(text, 'swarmkv_commit_ops_sum')).toBe(2)
    expect(metric(text, 'swarmkv_build_info{version="0.0.0-test"}')).toBe(1)
    expect(metric(text, 'swarmkv_ready')).toBe(1)
    expect(metric(text, 'swarmkv_role{role="master"}')).toBe(1)
    expect(metric(text, 'swarmkv_read_only')).toBe(0)
    expect(metric(text, 'swarmkv_log_ops')).toBe(2)
    // One commit: one file, one record (both writes are of this node, one run).
    expect(metric(text, 'swarmkv_log_files')).toBe(1)
    expect(metric(text, 'swarmkv_log_records')).toBe(1)
    expect(metric(text, 'swarmkv_log_index_bytes')).toBeGreaterThan(0)
    expect(metric(text, 'swarmkv_data_dir_free_bytes')).toBeGreaterThan(0)
    expect(metric(text, 'swarmkv_data_dir_size_bytes')).toBeGreaterThanOrEqual(metric(text, 'swarmkv_data_dir_free_bytes'))
    expect(text).toMatch(/^process_cpu_seconds_total /m)
  })

  it('shows the write path\'s checkpoints: what is not checkpointed yet, what was, and stalls', async () => {
    const read = async () => (await n.app.inject({ method: 'GET', url: '/metrics' })).body
    for (const k of ['a', 'b', 'c']) await n.app.inject({ method: 'PUT', url: kv(k), payload: 'x'.repeat(100) })
    const text = await read()
    // Three writes committed to the log, none checkpointed (a checkpoint starts at 8 MiB or 20,000 ops).
    expect(metric(text, 'swarmkv_checkpoint_pending_ops')).toBe(3)
    expect(metric(text, 'swarmkv_register_state_bytes{map="dirty"}')).toBe(n.engine.memory.dirtyBytes)
    expect(metric(text, 'swarmkv_register_state_bytes{map="dirty"}')).toBeGreaterThan(300)
    expect(metric(text, 'swarmkv_register_state_bytes{map="flushing"}')).toBe(0)
    expect(metric(text, 'swarmkv_checkpoints_total')).toBe(0)
    expect(metric(text, 'swarmkv_checkpointed_states_total')).toBe(0)
    expect(metric(text, 'swarmkv_write_stalls_total')).toBe(0)
    expect(metric(text, 'swarmkv_write_stall_seconds_total')).toBe(0)
    expect(metric(text, 'swarmkv_checkpoint_failures_total')).toBe(0)
    expect(text).toMatch(/^# TYPE swarmkv_checkpoint_seconds_total counter$/m)
  })

  it('keeps each app\'s registry its own', async () => {
    const other = await makeNode()
    try {
      await n.app.inject({ method: 'PUT', url: kv('a'), payload: 'x' })
      const mine = (await n.app.inject({ method: 'GET', url: '/metrics' })).body
      const theirs = (await other.app.inject({ method: 'GET', url: '/metrics' })).body
      expect(metric(mine, 'swarmkv_local_ops_total')).toBe(1)
      expect(metric(theirs, 'swarmkv_local_ops_total')).toBe(0)
    } finally {
      await other.close()
    }
  })
})
