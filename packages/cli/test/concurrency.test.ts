import { join } from 'node:path'
import { afterEach, describe, expect, it, onTestFailed } from 'vitest'
import { LevelStore } from '@swarmkv/storage'
import type { NodeId } from '@swarmkv/core'
import { Cluster } from '@swarmkv/testkit'
import { httpWrite, runLoad, seqOf, type Ack } from './load.js'

describe('concurrent writers on one node (real process)', () => {
  let cluster: Cluster | undefined
  afterEach(async () => { await cluster?.stop() })

  it('the final state is the last acknowledged write of each key and the log has one op per ack, without gaps', async () => {
    cluster = await Cluster.start({ secret: null, nodes: [{ name: 'n1' }] })
    onTestFailed(() => { void cluster?.stop({ keepLogs: true }); cluster = undefined })
    const node = cluster.node('n1')
    const keys = Array.from({ length: 8 }, (_, i) => `hot/${i}`)
    const acks: Ack[] = []
    let failures = 0
    await runLoad(40, 40, async (w, i) => {
      const key = keys[(w * 7 + i * 3) % keys.length]!
      const del = (w + i) % 5 === 0
      const value = `w${w}-i${i}`
      const token = await httpWrite(node.url, del ? 'DELETE' : 'PUT', key, del ? undefined : value)
      if (token === undefined) failures++
      else acks.push({ key, value, deleted: del, token, node: 'n1' })
    })
    expect(failures).toBe(0)
    expect(acks).toHaveLength(1600)

    for (const key of keys) {
      const last = acks.filter((a) => a.key === key).sort((a, b) => seqOf(b.token) - seqOf(a.token))[0]!
      const got = await node.client.get(key)
      if (last.deleted) expect(got, key).toBeUndefined()
      else {
        expect(new TextDecoder().decode(got!.value), key).toBe(last.value)
        expect(got!.siblings).toBe(1)
      }
    }

    const nodeId = node.nodeId as NodeId
    await node.stop()
    const store = new LevelStore(join(node.dataDir, 'db'))
    await store.open()
    try {
      const log = await store.readLog(nodeId, 1, 1_000_000)
      expect(log.map((o) => o.seq)).toEqual(Array.from({ length: acks.length }, (_, i) => i + 1))
      expect(new Set(acks.map((a) => a.token))).toEqual(new Set(log.map((o) => `${o.origin}:${o.seq}`)))
      expect((await store.readMeta()).seq).toBe(acks.length)
    } finally {
      await store.close()
    }
  })
})
