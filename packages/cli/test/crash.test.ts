import { afterEach, describe, expect, it, onTestFailed } from 'vitest'
import { Cluster } from '@swarmkv/testkit'
import { httpWrite, runLoad } from './load.js'

describe('crash safety (real process, SIGKILL under load)', () => {
  let cluster: Cluster | undefined
  afterEach(async () => { await cluster?.stop() })

  for (const fsync of ['batch', 'always'] as const) {
    it(`every acknowledged write survives SIGKILL with --fsync ${fsync}`, async () => {
      cluster = await Cluster.start({ secret: null, nodes: [{ name: 'n1', fsync }] })
      onTestFailed(() => { void cluster?.stop({ keepLogs: true }); cluster = undefined })
      const node = cluster.node('n1')
      const acked = new Map<string, string>()
      let killed = false
      // 32 concurrent writers on distinct keys; the node is killed once 600 writes are acknowledged.
      await runLoad(32, 200, async (w, i) => {
        if (killed) return
        const key = `crash/${w}/${i}`
        const value = `v-${w}-${i}-${'x'.repeat(i % 50)}`
        const token = await httpWrite(node.url, 'PUT', key, value)
        if (token !== undefined) acked.set(key, value)
        if (!killed && acked.size >= 600) {
          killed = true
          await node.kill()
        }
      })
      expect(killed).toBe(true)
      await node.start()
      const missing: string[] = []
      for (const [key, value] of acked) {
        if ((await node.client.getText(key)) !== value) missing.push(key)
      }
      expect(missing).toEqual([])
      expect(acked.size).toBeGreaterThanOrEqual(600)
    })
  }
})
