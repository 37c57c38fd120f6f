import { describe, expect, it, beforeEach, afterEach } from 'vitest'
import { encode, registerStateEncoding, type NodeId, type Op, type RegisterState } from '@swarmkv/core'
import type { Store } from '@swarmkv/storage'

const A = '00000000000000aa' as NodeId
const B = '00000000000000bb' as NodeId

function op(origin: NodeId, seq: number, key: string, value = 'v'): Op {
  const sibling = { origin, seq, hlc: { wall: seq, counter: 0 }, value: new TextEncoder().encode(value), contentType: 'text/plain', deleted: false }
  return { kind: 'reg', origin, seq, hlc: sibling.hlc, key, write: { context: {}, sibling } }
}

function state(o: Op): RegisterState {
  if (o.kind !== 'reg') throw new Error('reg op expected')
  return { siblings: [o.write.sibling], context: { [o.origin]: o.seq } }
}

/** The contract every Store implementation passes. `make` returns a fresh, unopened store. */
export function storeSuite(name: string, make: () => Promise<{ store: Store; reopen?: () => Promise<Store>; cleanup: () => Promise<void> }>) {
  describe(`Store contract: ${name}`, () => {
    let store: Store
    let reopen: (() => Promise<Store>) | undefined
    let cleanup: () => Promise<void>

    beforeEach(async () => {
      ;({ store, reopen, cleanup } = await make())
      await store.open()
    })
    afterEach(async () => {
      await store.close()
      await cleanup()
    })

    it('starts empty', async () => {
      expect(await store.readMeta()).toEqual({ seq: 0, applied: {}, floor: {} })
      expect(await store.getRegisters(['x'])).toEqual([undefined])
      expect(await store.readLog(A, 1, 10)).toEqual([])
    })

    it('commits states, log and meta together', async () => {
      const o1 = op(A, 1, 'k1')
      const o2 = op(A, 2, 'k2', 'w')
      await store.write({ registers: [['k1', state(o1)], ['k2', state(o2)]], docs: [], log: [o1, o2], meta: { seq: 2, applied: { [A]: 2 }, floor: {} } }, { sync: true })
      expect(await store.readMeta()).toEqual({ seq: 2, applied: { [A]: 2 }, floor: {} })
      const [s1, s2, s3] = await store.getRegisters(['k1', 'k2', 'k3'])
      expect(s1).toEqual(state(o1))
      expect(s2).toEqual(state(o2))
      expect(s3).toBeUndefined()
      expect(await store.readLog(A, 1, 10)).toEqual([o1, o2])
      expect(await store.readLog(A, 2, 10)).toEqual([o2])
      expect(await store.readLog(A, 1, 1)).toEqual([o1])
      expect(await store.readLog(B, 1, 10)).toEqual([])
    })

    it('reads the log from any seq across commits', async () => {
      const c1 = [op(A, 1, 'a'), op(A, 2, 'b')]
      const c2 = [op(B, 1, 'x'), op(A, 3, 'c'), op(A, 4, 'd'), op(B, 2, 'y')]
      await store.write({ registers: [], docs: [], log: c1, meta: { seq: 2, applied: { [A]: 2 }, floor: {} } }, { sync: false })
      await store.write({ registers: [], docs: [], log: c2, meta: { seq: 4, applied: { [A]: 4, [B]: 2 }, floor: {} } }, { sync: false })
      expect((await store.readLog(A, 2, 10)).map((o) => o.seq)).toEqual([2, 3, 4])
      expect((await store.readLog(A, 2, 2)).map((o) => o.seq)).toEqual([2, 3])
      expect((await store.readLog(A, 4, 10)).map((o) => o.seq)).toEqual([4])
      expect((await store.readLog(A, 5, 10)).map((o) => o.seq)).toEqual([])
      expect((await store.readLog(B, 2, 10)).map((o) => o.key)).toEqual(['y'])
    })

    it('keeps the logs of different origins apart and in seq order', async () => {
      const ops = [op(B, 1, 'x'), op(A, 1, 'y'), op(B, 2, 'x'), op(A, 2, 'z'), op(B, 3, 'q')]
      await store.write({ registers: [], docs: [], log: ops, meta: { seq: 2, applied: { [A]: 2, [B]: 3 }, floor: {} } }, { sync: false })
      expect((await store.readLog(B, 1, 100)).map((o) => o.seq)).toEqual([1, 2, 3])
      expect((await store.readLog(A, 1, 100)).map((o) => o.key)).toEqual(['y', 'z'])
    })

    it('lists keys in UTF-8 byte order with prefix, after and limit', async () => {
      const keys = ['b', 'a/2', 'a/1', 'é', 'a/10', 'c']
      const ops = keys.map((k, i) => op(A, i + 1, k))
      await store.write({ registers: ops.map((o) => [o.key, state(o)] as const), docs: [], log: ops, meta: { seq: 6, applied: { [A]: 6 }, floor: {} } }, { sync: false })
      expect((await store.listRegisters({ prefix: '', limit: 100 })).map(([k]) => k)).toEqual(['a/1', 'a/10', 'a/2', 'b', 'c', 'é'])
      expect((await store.listRegisters({ prefix: 'a/', limit: 100 })).map(([k]) => k)).toEqual(['a/1', 'a/10', 'a/2'])
      expect((await store.listRegisters({ prefix: 'a/', after: 'a/1', limit: 1 })).map(([k]) => k)).toEqual(['a/10'])
      expect((await store.listRegisters({ prefix: '', after: 'c', limit: 10 })).map(([k]) => k)).toEqual(['é'])
      const scanned: string[] = []
      for await (const [k] of store.scanRegisters()) scanned.push(k)
      expect(scanned).toEqual(['a/1', 'a/10', 'a/2', 'b', 'c', 'é'])
    })

    it('stores documents as a snapshot plus appended chunks', async () => {
      const meta = { seq: 0, applied: {}, floor: {} }
      const bytes = (...b: number[]) => new Uint8Array(b)
      await store.write({ registers: [], docs: [{ key: 'd1', kind: 'append', index: 0, bytes: bytes(1) }, { key: 'd1\u0000x', kind: 'append', index: 0, bytes: bytes(9) }], log: [], meta }, { sync: false })
      await store.write({ registers: [], docs: [{ key: 'd1', kind: 'append', index: 1, bytes: bytes(2, 3) }], log: [], meta }, { sync: false })
      const d1 = await store.getDoc('d1')
      expect(d1?.snapshot).toBeUndefined()
      expect(d1?.chunks.map((c) => Array.from(c))).toEqual([[1], [2, 3]])
      await store.write({ registers: [], docs: [{ key: 'd1', kind: 'snapshot', bytes: bytes(7, 7), dropChunks: 2 }], log: [], meta }, { sync: false })
      const after = await store.getDoc('d1')
      expect(Array.from(after!.snapshot!)).toEqual([7, 7])
      expect(after!.chunks).toEqual([])
      expect((await store.getDoc('d1\u0000x'))?.chunks.map((c) => Array.from(c))).toEqual([[9]])
      expect(await store.getDoc('d2')).toBeUndefined()
      const keys: string[] = []
      for await (const k of store.scanDocKeys()) keys.push(k)
      expect(keys).toEqual(['d1', 'd1\u0000x'])
    })

    it('clears log ranges, keeps members, and reads a consistent snapshot', async () => {
      const ops = [op(A, 1, 'x'), op(A, 2, 'y'), op(A, 3, 'x')]
      await store.write({ registers: ops.map((o) => [o.key, state(o)] as const), docs: [{ key: 'd', kind: 'append', index: 0, bytes: new Uint8Array([5]) }], log: ops, meta: { seq: 3, applied: { [A]: 3 }, floor: {} } }, { sync: false })
      const snap = await store.snapshot()
      await store.clearLog(A, 1, 2)
      // Ops below a cleared range's end may survive when stored with later ones; later ops always do.
      expect((await store.readLog(A, 1, 10)).map((o) => o.seq).filter((s) => s > 2)).toEqual([3])
      expect((await store.readLog(A, 3, 10)).map((o) => o.seq)).toEqual([3])
      // Later commits do not show through the snapshot.
      await store.write({ registers: [['late', state(op(B, 1, 'late'))]], docs: [], log: [], meta: { seq: 3, applied: { [A]: 3, [B]: 1 }, floor: { [A]: 2 } } }, { sync: false })
      expect(snap.meta).toEqual({ seq: 3, applied: { [A]: 3 }, floor: {} })
      const keys: string[] = []
      for await (const [k] of snap.registers()) keys.push(k)
      expect(keys).toEqual(['x', 'y'])
      const docs: string[] = []
      for await (const [k, rec] of snap.docs()) docs.push(`${k}:${rec.chunks.length}`)
      expect(docs).toEqual(['d:1'])
      await snap.close()
      await store.writeMembers(new Map([[B, { [A]: 2 }]]))
      expect(await store.readMembers()).toEqual(new Map([[B, { [A]: 2 }]]))
      await store.writeMembers(new Map())
      expect((await store.readMembers()).size).toBe(0)
    })

    it('clears thousands of log segments, keeping what lies above the range and other origins', async () => {
      // One segment per commit; more segments than one delete batch of the LevelDB store holds.
      const n = 2500
      for (let s = 1; s <= n; s++) {
        await store.write({ registers: [], docs: [], log: [op(A, 2 * s - 1, 'k'), op(A, 2 * s, 'k')], meta: { seq: 2 * s, applied: { [A]: 2 * s }, floor: {} } }, { sync: false })
      }
      await store.write({ registers: [], docs: [], log: [op(B, 1, 'k')], meta: { seq: 2 * n, applied: { [A]: 2 * n, [B]: 1 }, floor: {} } }, { sync: false })
      await store.clearLog(A, 1, 2 * n - 3)
      // Every op above the range stays; of those in it, only one stored with a later op may.
      const left = (await store.readLog(A, 1, 10)).map((o) => o.seq)
      expect(left.filter((s) => s > 2 * n - 3)).toEqual([2 * n - 2, 2 * n - 1, 2 * n])
      expect(Math.min(...left)).toBeGreaterThanOrEqual(2 * n - 3)
      expect((await store.readLog(B, 1, 10)).map((o) => o.seq)).toEqual([1])
    })

    it('stores each part of a write on its own: encoded states, decoded states, the log alone', async () => {
      const o1 = op(A, 1, 'k1')
      const o2 = op(A, 2, 'k2')
      await store.write({ registers: [], encodedRegisters: [['k1', encode(registerStateEncoding, state(o1))]], docs: [], log: [] }, { sync: false })
      await store.write({ registers: new Map([['k2', state(o2)]]), docs: [], log: [] }, { sync: false })
      await store.write({ registers: [], docs: [], log: [o1, o2] }, { sync: true })
      expect(await store.getRegisters(['k1', 'k2'])).toEqual([state(o1), state(o2)])
      expect(await store.readLog(A, 1, 10)).toEqual([o1, o2])
      if (reopen === undefined) return
      await store.close()
      store = await reopen()
      await store.open()
      expect(await store.getRegisters(['k1', 'k2'])).toEqual([state(o1), state(o2)])
      expect(await store.readLog(A, 1, 10)).toEqual([o1, o2])
    })

    it('survives a reopen', async () => {
      if (reopen === undefined) return
      const o1 = op(A, 1, 'k1')
      await store.write({ registers: [['k1', state(o1)]], docs: [], log: [o1], meta: { seq: 1, applied: { [A]: 1 }, floor: {} } }, { sync: true })
      await store.close()
      store = await reopen()
      await store.open()
      expect(await store.readMeta()).toEqual({ seq: 1, applied: { [A]: 1 }, floor: {} })
      expect(await store.getRegisters(['k1'])).toEqual([state(o1)])
    })
  })
}
