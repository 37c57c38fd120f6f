import { describe, expect, it } from 'vitest'
import { type ClusterJson, topology } from '../src/browser/cluster.js'

const peer = (nodeId: string, role: 'master' | 'replica', region: string, connected: boolean, port: number) => ({
  nodeId, role, region, httpUrl: `http://127.0.0.1:${port}`, connected, readOnly: null, applied: { a: 3, b: 1 }, lagOps: connected ? 0 : 7, lagMs: connected ? 0 : 1500
})

const CLUSTER: ClusterJson = {
  self: { nodeId: 'self000000000000', publicKey: null, role: 'master', readOnly: true, region: 'us', httpUrl: 'http://127.0.0.1:9000', seq: 3, applied: { a: 3, b: 2 }, context: 'a:3,b:2' },
  peers: [
    peer('r2', 'replica', 'eu', false, 9004),
    peer('m2', 'master', 'eu', true, 9002),
    peer('r1', 'replica', 'us', true, 9001),
    peer('m3', 'master', 'eu', true, 9003)
  ]
}

describe('topology', () => {
  const groups = topology(CLUSTER)

  it("groups by region, this node's region first, then by role in a stable order", () => {
    expect(groups.map((g) => g.region)).toEqual(['us', 'eu'])
    expect(groups[0]!.masters.map((n) => n.nodeId)).toEqual(['self000000000000'])
    expect(groups[0]!.replicas.map((n) => n.nodeId)).toEqual(['r1'])
    expect(groups[1]!.masters.map((n) => n.nodeId)).toEqual(['m2', 'm3'])
    expect(groups[1]!.replicas.map((n) => n.nodeId)).toEqual(['r2'])
  })

  it("shows each link from this node's view, with lag and read-only state (unknown stays unknown)", () => {
    const self = groups[0]!.masters[0]!
    expect(self).toMatchObject({ self: true, link: 'self', readOnly: true, appliedOps: 5, lagOps: null })
    expect(groups[1]!.replicas[0]).toMatchObject({ link: 'broken', lagOps: 7, lagMs: 1500, readOnly: null, appliedOps: 4 })
    expect(groups[1]!.masters[0]).toMatchObject({ link: 'connected', lagOps: 0 })
  })
})
