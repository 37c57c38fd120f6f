import { describe, expect, it } from 'vitest'
import { HybridClock, etagOf, winner, type NodeId } from '@swarmkv/core'
import { ApplyError, Engine, MemoryStore, type LocalWrite } from '@swarmkv/storage'

const A = '00000000000000aa' as NodeId
const B = '00000000000000bb' as NodeId
const enc = (s: string) => new TextEncoder().encode(s)
const put = (key: string, value: string, extra: Partial<LocalWrite> = {}): LocalWrite => ({ key, value: enc(value), contentType: 'text/plain', deleted: false, ...extra })

async function engine(id: NodeId) {
  const store = new MemoryStore()
  await store.open()
  let t = 1000
  const e = new Engine(store, { nodeId: id, clock: new HybridClock({ now: () => t++ }) })
  await e.open()
  return { e, store }
}

describe('Engine', () => {
  it('numbers local writes without gaps and logs one op per write', async () => {
    const { e } = await engine(A)
    const results = await Promise.all([e.write([put('k', '1')]), e.write([put('k', '2'), put('j', '3')]), e.write([put('k', '4')])])
    expect(results.flat().map((r) => r.dot.seq)).toEqual([1, 2, 3, 4])
    expect(e.seq).toBe(4)
    expect(e.applied).toEqual({ [A]: 4 })
    expect((await e.readLog(A, 1, 10)).map((o) => o.seq)).toEqual([1, 2, 3, 4])
    const k = e.get('k')
    expect(k!.siblings).toHaveLength(1)
    expect(new TextDecoder().decode(winner(k!)!.value)).toBe('4')
  })

  it('applies remote ops idempotently and refuses gaps', async () => {
    const a = await engine(A)
    const b = await engine(B)
    await a.e.write([put('k', 'a1')])
    await a.e.write([put('k', 'a2')])
    const ops = await a.e.readLog(A, 1, 10)
    expect(await b.e.applyRemote(ops)).toBe(2)
    expect(await b.e.applyRemote(ops)).toBe(0)
    expect(b.e.applied).toEqual({ [A]: 2 })
    await a.e.write([put('k', 'a3')])
    await a.e.write([put('k', 'a4')])
    const later = await a.e.readLog(A, 4, 10)
    await expect(b.e.applyRemote(later)).rejects.toBeInstanceOf(ApplyError)
    expect(b.e.applied).toEqual({ [A]: 2 })
  })

  it('keeps concurrent writes as siblings and converges both ways', async () => {
    const a = await engine(A)
    const b = await engine(B)
    await a.e.write([put('k', 'from-a')])
    await b.e.write([put('k', 'from-b')])
    await b.e.applyRemote(await a.e.readLog(A, 1, 10))
    await a.e.applyRemote(await b.e.readLog(B, 1, 10))
    expect((await a.e.digest()).digest).toBe((await b.e.digest()).digest)
    expect(a.e.get('k')!.siblings).toHaveLength(2)
  })

  it('If-Match applies only against the current etag; a failed request stores nothing', async () => {
    const { e } = await engine(A)
    const [r] = await e.write([put('k', '1')])
    const etag = etagOf(r!.state.context)
    await expect(e.write([put('x', 'y'), put('k', '2', { preconditions: { ifMatch: [{ weak: false, opaque: '"0000000000000000"' }] } })])).rejects.toMatchObject({ code: 'PRECONDITION_FAILED' })
    expect(e.get('x')).toBeUndefined()
    expect(e.seq).toBe(1)
    await e.write([put('k', '2', { preconditions: { ifMatch: [{ weak: false, opaque: etag }] } })])
    expect(e.seq).toBe(2)
  })

  it('If-None-Match: * refuses a write to a live key and reports whether a write created its key', async () => {
    const { e } = await engine(A)
    const [first] = await e.write([put('k', '1', { preconditions: { ifNoneMatch: '*' } })])
    expect(first!.created).toBe(true)
    await expect(e.write([put('k', '2', { preconditions: { ifNoneMatch: '*' } })])).rejects.toMatchObject({ code: 'PRECONDITION_FAILED' })
    const [second] = await e.write([put('k', '3')])
    expect(second!.created).toBe(false)
    await e.write([{ key: 'k', value: new Uint8Array(0), contentType: '', deleted: true }])
    const [again] = await e.write([put('k', '4', { preconditions: { ifNoneMatch: '*' } })])
    expect(again!.created).toBe(true)
  })

  it('clamps a client context to what this node has applied', async () => {
    const a = await engine(A)
    const b = await engine(B)
    await b.e.write([put('k', 'b1')])
    // A has not seen B:1; a context claiming it must not supersede it when it arrives.
    await a.e.write([put('k', 'a1', { context: { [B]: 1 } })])
    await a.e.applyRemote(await b.e.readLog(B, 1, 10))
    expect(a.e.get('k')!.siblings.map((s) => s.origin).sort()).toEqual([A, B])
  })

  it('waitFor resolves when a dot is applied and times out otherwise', async () => {
    const a = await engine(A)
    const b = await engine(B)
    const waiting = b.e.waitFor([{ origin: A, seq: 1 }], 5_000)
    await a.e.write([put('k', 'v')])
    await b.e.applyRemote(await a.e.readLog(A, 1, 10))
    expect(await waiting).toBe(true)
    expect(await b.e.waitFor([{ origin: A, seq: 2 }], 20)).toBe(false)
  })
})

describe('tombstone collection', () => {
  it('drops the tombstones every member has applied, and keeps each key\'s context', async () => {
    const a = await engine(A)
    const b = await engine(B)
    await a.e.write([put('gone', 'x')])
    await a.e.write([{ key: 'gone', value: new Uint8Array(0), contentType: '', deleted: true }])
    await a.e.write([put('kept', 'y')])
    await b.e.write([put('shared', 'from-b')])
    await a.e.applyRemote(await b.e.readLog(B, 1, 10))
    await a.e.write([{ key: 'shared', value: new Uint8Array(0), contentType: '', deleted: true, context: {} }])
    // Not every member has applied A's tombstones yet: nothing goes.
    expect(await a.e.collectTombstones({ [A]: 1, [B]: 1 })).toBe(0)
    // As a peer that has not collected yet holds them.
    const uncollected = ['gone', 'shared'].map((k) => [k, a.e.get(k)!] as const)
    expect(await a.e.collectTombstones(a.e.applied)).toBe(2)
    const gone = a.e.get('gone')!
    expect(gone.siblings).toEqual([])
    expect(gone.context).toEqual({ [A]: 2 })
    // 'shared' keeps B's live value, which A's concurrent delete did not supersede.
    const shared = a.e.get('shared')!
    expect(shared.siblings.map((s) => s.origin)).toEqual([B])
    expect(shared.context).toEqual({ [A]: 4, [B]: 1 })
    expect(await a.e.list('', undefined, 10)).toEqual({ keys: ['kept', 'shared'], next: null })
    // A state that still holds the dropped tombstones (a state transfer from such a peer) changes
    // nothing: the context kept here covers them.
    const before = await a.e.digest()
    await a.e.applyState(uncollected, [], { failed: false })
    expect(await a.e.digest()).toEqual(before)
    // A later write to a collected key supersedes what its context names.
    await a.e.write([put('gone', 'back')])
    expect(new TextDecoder().decode(winner(a.e.get('gone')!)!.value)).toBe('back')
  })
})
