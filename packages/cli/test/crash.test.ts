import { afterEach, describe, expect, it, onTestFailed } from 'vitest'
import { Cluster, waitUntil } from '@swarmkv/testkit'
import { httpPatchDoc, httpWrite, runLoad } from './load.js'
import { lostWrites } from './lost-writes.js'

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

/**
 * Crash points inside the write path (storage's failpoints.ts): the node kills itself with
 * SIGKILL at a named step while 24 writers keep it busy. Every write acknowledged before must be
 * there after the restart, on the node and on its peer, and both must converge; the log must
 * hold every acknowledged write with nothing lost (testkit's check, after a clean stop).
 */
describe('crash points of the write path (real processes, SIGKILL at a failpoint)', () => {
  let cluster: Cluster | undefined
  afterEach(async () => {
    delete process.env['SWARMKV_FAILPOINT']
    await cluster?.stop()
  })

  const cases = [
    // The 300th commit's log append landed; nothing was checkpointed since the start.
    { failpoint: 'after-log-append:300', args: [] as string[], compact: false, docs: false },
    // The second background checkpoint (one every 150 ops) wrote its states, not its marker.
    { failpoint: 'mid-checkpoint:2', args: ['--checkpoint-ops', '150'], compact: false, docs: false },
    // A compaction's checkpoint landed and raised the floor; the log below it is still there.
    { failpoint: 'after-checkpoint:1', args: [], compact: true, docs: false },
    // The 100th commit with documents: its log append landed, its chunks did not (replay appends them).
    { failpoint: 'after-log-before-chunks:100', args: [], compact: false, docs: true },
    // The 300th append wrote half its bytes: a torn record at the end of the log (cut at open).
    { failpoint: 'torn-log-append:300', args: [], compact: false, docs: true }
  ]

  for (const { failpoint, args, compact, docs } of cases) {
    it(`every acknowledged write survives a kill at ${failpoint} and the node converges with its peer`, async () => {
      cluster = await Cluster.start({ nodes: [{ name: 'n1', args }, { name: 'n2' }] })
      onTestFailed(() => { void cluster?.stop({ keepLogs: true }); cluster = undefined })
      const [n1, n2] = [cluster.node('n1'), cluster.node('n2')]
      await cluster.waitConnected()
      // Only n1's next start gets the failpoint (a child inherits the environment at spawn).
      await n1.stop()
      process.env['SWARMKV_FAILPOINT'] = failpoint
      await n1.start()
      delete process.env['SWARMKV_FAILPOINT']
      await cluster.waitConnected()

      const acked = new Map<string, string>()
      const tokens: string[] = []
      // With documents, every other step of a writer patches its own document: the fields acknowledged, per document.
      const docFields = new Map<string, Record<string, number>>()
      let compactions = 0
      await runLoad(24, 150, async (w, i) => {
        if (!n1.running) return
        if (docs && i % 2 === 1) {
          if (await httpPatchDoc(n1.url, `fpdoc/${w}`, { [`f${i}`]: i })) {
            const fields = docFields.get(`fpdoc/${w}`) ?? {}
            docFields.set(`fpdoc/${w}`, { ...fields, [`f${i}`]: i })
          }
          return
        }
        const key = `fp/${w}/${i}`
        const value = `v-${w}-${i}`
        const token = await httpWrite(n1.url, 'PUT', key, value)
        if (token !== undefined) { acked.set(key, value); tokens.push(token) }
        if (compact && w === 0 && i % 10 === 9 && n1.running) {
          compactions++
          await fetch(`${n1.url}/admin/compact`, { method: 'POST' }).catch(() => undefined)
        }
      })
      // The failpoint killed it, under load: nothing else stops n1 in this test.
      await waitUntil('n1 to be killed at its failpoint', () => Promise.resolve(!n1.running), 10_000)
      expect(acked.size).toBeGreaterThan(100)
      if (compact) expect(compactions).toBeGreaterThan(0)
      if (docs) expect(docFields.size).toBeGreaterThan(10)

      await n1.start()
      const missing: string[] = []
      for (const [key, value] of acked) if ((await n1.client.getText(key)) !== value) missing.push(key)
      // Every acknowledged field of every document (a document may hold more: a patch can land unacknowledged).
      const docsMissing = async (n: typeof n1) => {
        const out: string[] = []
        for (const [key, fields] of docFields) {
          const doc = (await n.client.docs.get(key))?.doc ?? {}
          for (const [f, v] of Object.entries(fields)) if (doc[f] !== v) out.push(`${key}.${f} on ${n.spec.name}`)
        }
        return out
      }
      missing.push(...await docsMissing(n1))
      expect(missing).toEqual([])
      await cluster.waitConnected()
      const converged = await cluster.waitConverged(60_000)
      expect(converged.keys).toBeGreaterThanOrEqual(acked.size)
      for (const [key, value] of acked) if ((await n2.client.getText(key)) !== value) missing.push(`${key} on n2`)
      missing.push(...await docsMissing(n2))
      expect(missing).toEqual([])
      await n1.stop()
      await n2.stop()
      for (const n of [n1, n2]) expect(await lostWrites(n.dataDir, tokens), n.spec.name).toEqual([])
    })
  }
})
