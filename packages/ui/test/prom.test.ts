import { describe, expect, it } from 'vitest'
import { parseProm } from '../src/browser/prom.js'
import { perPeer, rate, single, totalsOf } from '../src/browser/figures.js'

// What prom-client renders (HELP/TYPE lines, labels with escapes, histogram buckets).
const SCRAPE = `# HELP swarmkv_http_request_duration_seconds HTTP requests
# TYPE swarmkv_http_request_duration_seconds histogram
swarmkv_http_request_duration_seconds_bucket{le="0.005",route="/kv/*",method="PUT",status="200"} 9
swarmkv_http_request_duration_seconds_count{route="/kv/*",method="PUT",status="200"} 10
swarmkv_http_request_duration_seconds_count{route="/kv/*",method="DELETE",status="200"} 2
swarmkv_http_request_duration_seconds_count{route="/docs/*",method="PATCH",status="200"} 3
swarmkv_http_request_duration_seconds_count{route="/batch",method="POST",status="200"} 1
swarmkv_http_request_duration_seconds_count{route="/kv/*",method="GET",status="200"} 40
swarmkv_http_request_duration_seconds_count{route="/kv",method="GET",status="200"} 5
swarmkv_http_request_duration_seconds_count{route="/kv/*",method="HEAD",status="404"} 1
swarmkv_http_request_duration_seconds_count{route="/cluster",method="GET",status="200"} 99
swarmkv_http_request_duration_seconds_count{route="/ui/*",method="GET",status="200"} 7
swarmkv_http_request_duration_seconds_count{route="/admin/role",method="POST",status="200"} 1
# TYPE swarmkv_read_siblings histogram
swarmkv_read_siblings_bucket{le="0"} 1
swarmkv_read_siblings_bucket{le="1"} 30
swarmkv_read_siblings_bucket{le="2"} 38
swarmkv_read_siblings_bucket{le="+Inf"} 41
swarmkv_read_siblings_sum 55
swarmkv_read_siblings_count 41
swarmkv_peer_lag_ops{peer="aaaaaaaaaaaaaaaa",role="replica",region="eu \\"west\\""} 12
swarmkv_peer_lag_ops{peer="bbbbbbbbbbbbbbbb",role="master",region="us"} 0
swarmkv_build_info{version="0.1.0"} 1
process_resident_memory_bytes 5.2e7 1700000000000
odd line that is not a sample
`

describe('parseProm', () => {
  const samples = parseProm(SCRAPE)

  it('reads names, labels (with escapes) and values, and skips comments and junk', () => {
    expect(samples.find((s) => s.name === 'swarmkv_peer_lag_ops')?.labels).toEqual({ peer: 'aaaaaaaaaaaaaaaa', role: 'replica', region: 'eu "west"' })
    expect(single(samples, 'process_resident_memory_bytes')).toBe(52_000_000)
    expect(single(samples, 'swarmkv_build_info')).toBe(1)
    expect(samples.some((s) => s.name === 'odd')).toBe(false)
    expect(samples.filter((s) => s.name.startsWith('#'))).toEqual([])
  })

  it('gives per-peer gauges by the peer label', () => {
    expect([...perPeer(samples, 'swarmkv_peer_lag_ops')]).toEqual([['aaaaaaaaaaaaaaaa', 12], ['bbbbbbbbbbbbbbbb', 0]])
  })

  it('counts writes and reads on data routes only, and conflicts as reads with more than one sibling', () => {
    expect(totalsOf(samples)).toEqual({ writes: 16, reads: 46, registerReads: 41, siblings: 55, conflicts: 11 })
  })

  it('leaves a figure unknown when the node does not publish it', () => {
    expect(totalsOf(parseProm('swarmkv_commits_total 3\n'))).toEqual({})
  })

  it('counts 0 writes and reads when the node counts requests but none on data routes yet', () => {
    expect(totalsOf(parseProm('swarmkv_http_request_duration_seconds_count{route="/cluster",method="GET",status="200"} 4\n'))).toEqual({ writes: 0, reads: 0 })
  })
})

describe('rate', () => {
  it('is per second between two scrapes', () => {
    expect(rate(10, 30, 2)).toBe(10)
  })
  it('is unknown, not 0, without both sides, without elapsed time, or when the counter went down (a restart)', () => {
    expect(rate(undefined, 30, 2)).toBeNull()
    expect(rate(10, undefined, 2)).toBeNull()
    expect(rate(10, 30, 0)).toBeNull()
    expect(rate(30, 4, 2)).toBeNull()
  })
})
