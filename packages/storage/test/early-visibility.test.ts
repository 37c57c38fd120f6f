import { describe, expect, it } from 'vitest'
import { HybridClock, winner, type NodeId, type Op, type RegisterState, type Scheduler } from '@swarmkv/core'
import { Engine, MemoryStore, type LocalWrite } from '@swarmkv/storage'
import type { StoreWrite } from '../src/store.js'

const A = '00000000000000aa' as NodeId
const B = '00000000000000bb' as NodeId
const enc = (s: string) => new TextEncoder().encode(s)
const put = (key: string, value: string): LocalWrite => ({ key, value: enc(value), contentType: 'text/plain', deleted: false })
const text = (s: RegisterState | undefined) => (s === undefined ? undefined : s.siblings.map((x) => new TextDecoder().decode(x.value)).sort().join(','))
const turn = () => new Promise((r) => setImmediate(r))

/** A store whose commits wait until the test opens the gate, and are counted. */
class GatedStore extends MemoryStore {
  commits = 0
  private gate: Promise<void> = Promise.resolve()
  private release: () => void = () => {}
  close_(): void { this.gate = new Promise((r) => { this.release = r }) }
  open_(): void { this.release() }
  override async write(batch: StoreWrite, opts: { sync: boolean }): Promise<void> {
    this.commits++
    await this.gate
    return super.write(batch, opts)
  }
}

/** Timers the test fires by hand. */
class ManualTimers implements Scheduler {
  now(): number { return 0 }
  wallNow(): number { return 0 }
  private fns: Array<() => void> = []
  setTimeout(fn: () => void): { cancel(): void } {
    this.fns.push(fn)
    return { cancel: () => { this.fns = this.fns.filter((f) => f !== fn) } }
  }
  get armed(): number { return this.fns.length }
  fire(): void { for (const f of this.fns.splice(0)) f() }
}

/** The ops of a node A that made these writes, in order. */
async function opsOfA(...writes: Array<[string, string]>): Promise<Op[]> {
  const a = await node(A)
  for (const [k, v] of writes) await a.e.write([put(k, v)])
  return a.e.readLog(A, 1, 100)
}

async function node(id: NodeId) {
  const store = new GatedStore()
  await store.open()
  const timers = new ManualTimers()
  let t = 1000
  const e = new Engine(store, { nodeId: id, clock: new HybridClock({ now: () => t++ }), scheduler: timers })
  await e.open()
  return { e, store, timers }
}

describe('replicated writes before their commit', () => {
  it('are readable at once, while the durable vector and the commit wait for the flush', async () => {
    const ops = await opsOfA(['k', 'a1'])
    const b = await node(B)
    const applied = b.e.applyRemote(ops)
    await turn()
    expect(b.e.hasApplied({ origin: A, seq: 1 })).toBe(true)
    expect(text(b.e.get('k'))).toBe('a1')
    expect(b.e.applied).toEqual({})
    expect(b.store.commits).toBe(0)
    b.timers.fire()
    expect(await applied).toBe(1)
    expect(b.e.applied).toEqual({ [A]: 1 })
    expect(b.store.commits).toBe(1)
  })

  it('share one commit across peer messages', async () => {
    const ops = await opsOfA(['k1', 'a1'], ['k2', 'a2'], ['k3', 'a3'])
    const b = await node(B)
    const done = Promise.all(ops.map((op) => b.e.applyRemote([op])))
    await turn()
    expect(b.timers.armed).toBe(1)
    b.timers.fire()
    expect(await done).toEqual([1, 1, 1])
    expect(b.store.commits).toBe(1)
    expect(b.e.applied).toEqual({ [A]: 3 })
  })

  it('a local write joining the batch commits it, and is not shown before its commit', async () => {
    const ops = await opsOfA(['k', 'a1'])
    const b = await node(B)
    const applied = b.e.applyRemote(ops)
    await turn()
    b.store.close_()
    const local = b.e.write([{ ...put('k', 'b1'), context: {} }])
    await turn()
    expect(b.store.commits).toBe(1)
    // The peer's write stays shown as it was; the local one waits for its commit.
    expect(text(b.e.get('k'))).toBe('a1')
    expect(b.e.hasApplied({ origin: B, seq: 1 })).toBe(false)
    b.store.open_()
    await local
    expect(await applied).toBe(1)
    expect(text(b.e.get('k'))).toBe('a1,b1')
    expect(winner(b.e.get('k')!)).toBeDefined()
    expect(b.e.applied).toEqual({ [A]: 1, [B]: 1 })
  })

  it('close commits what is still waiting for the flush', async () => {
    const ops = await opsOfA(['k', 'a1'])
    const b = await node(B)
    const applied = b.e.applyRemote(ops)
    await turn()
    await b.e.close()
    expect(await applied).toBe(1)
    expect((await b.store.readMeta()).applied).toEqual({ [A]: 1 })
  })

  it('merge and show while a commit is in flight, except on keys that commit writes locally', async () => {
    const [opJ, opK] = await opsOfA(['j', 'a1'], ['k', 'a2'])
    const b = await node(B)
    b.store.close_()
    const local = b.e.write([put('k', 'b1')])
    await turn()
    expect(b.store.commits).toBe(1)
    const j = b.e.applyRemote([opJ!])
    await turn()
    // The commit of b1 is still in flight: A:1 is shown all the same.
    expect(text(b.e.get('j'))).toBe('a1')
    expect(b.e.hasApplied({ origin: A, seq: 1 })).toBe(true)
    const k = b.e.applyRemote([opK!])
    await turn()
    // k's state now holds the unacknowledged b1: neither it nor A:2 is shown yet.
    expect(b.e.get('k')).toBeUndefined()
    expect(b.e.hasApplied({ origin: A, seq: 2 })).toBe(false)
    b.store.open_()
    await local
    b.timers.fire()
    expect([await j, await k]).toEqual([1, 1])
    expect(text(b.e.get('k'))).toBe('a2,b1')
    expect(b.e.applied).toEqual({ [A]: 2, [B]: 1 })
    expect(b.store.commits).toBe(2)
  })

  it('pass local requests waiting for the commit in flight, and commit with them', async () => {
    const [op] = await opsOfA(['k', 'a1'])
    const b = await node(B)
    b.store.close_()
    const first = b.e.write([put('x', 'b0')])
    await turn()
    const waiting = b.e.write([put('y', 'b1')])
    const remote = b.e.applyRemote([op!])
    await turn()
    // Merged on top of the commit in flight although a local write queued before it.
    expect(text(b.e.get('k'))).toBe('a1')
    expect(b.e.hasApplied({ origin: A, seq: 1 })).toBe(true)
    expect(b.e.get('y')).toBeUndefined()
    expect(b.store.commits).toBe(1)
    b.store.open_()
    await Promise.all([first, waiting])
    expect(await remote).toBe(1)
    expect(b.store.commits).toBe(2)
    expect(b.e.applied).toEqual({ [A]: 1, [B]: 2 })
  })

  it('are listed as get reads them: a new key at once, a deleted one left out at once', async () => {
    const a = await node(A)
    await a.e.write([put('d', 'a1')])
    await a.e.write([put('b', 'a2')])
    await a.e.write([{ key: 'd', value: new Uint8Array(0), contentType: 'text/plain', deleted: true }])
    await a.e.write([put('😀', 'a4')])
    const [opD, opB, opDel, opEmoji] = await a.e.readLog(A, 1, 100)
    const b = await node(B)
    for (const k of ['a', 'c', '\uFFFD']) await b.e.write([put(k, 'b')])
    const stored = b.e.applyRemote([opD!])
    await turn()
    b.timers.fire()
    await stored
    const shown = b.e.applyRemote([opB!, opDel!, opEmoji!])
    await turn()
    const commits = b.store.commits
    expect(text(b.e.get('b'))).toBe('a2')
    // A delete reads as a state of tombstones only (404 over HTTP).
    expect(b.e.get('d')?.siblings.map((x) => x.deleted)).toEqual([true])
    // The store orders keys by their UTF-8 bytes: U+FFFD before U+1F600 (JavaScript strings sort them the other way).
    const all = { keys: ['a', 'b', 'c', '\uFFFD', '😀'], next: null }
    expect(await b.e.list('', undefined, 10)).toEqual(all)
    expect(await b.e.list('', undefined, 2)).toEqual({ keys: ['a', 'b'], next: 'b' })
    expect(await b.e.list('', 'b', 2)).toEqual({ keys: ['c', '\uFFFD'], next: '\uFFFD' })
    expect(await b.e.list('', '\uFFFD', 2)).toEqual({ keys: ['😀'], next: null })
    expect(await b.e.list('d', undefined, 10)).toEqual({ keys: [], next: null })
    expect(b.store.commits).toBe(commits)
    b.timers.fire()
    expect(await shown).toBe(3)
    expect(await b.e.list('', undefined, 10)).toEqual(all)
  })
})

/** A store whose log clearing waits until the test lets it go. */
class SlowClearStore extends MemoryStore {
  private release: () => void = () => {}
  private readonly gate = new Promise<void>((r) => { this.release = r })
  go(): void { this.release() }
  override async clearLog(...args: Parameters<MemoryStore['clearLog']>): Promise<void> {
    await this.gate
    return super.clearLog(...args)
  }
}

describe('compaction', () => {
  it('drops the log beside later writes instead of holding them up', async () => {
    const store = new SlowClearStore()
    await store.open()
    let t = 1000
    const e = new Engine(store, { nodeId: A, clock: new HybridClock({ now: () => t++ }) })
    await e.open()
    for (let i = 0; i < 5; i++) await e.write([put(`k${i}`, 'v')])
    const compacted = e.compact({ [A]: 5 })
    await turn()
    // The log is still being cleared: a write goes through all the same.
    const [w] = await e.write([put('k9', 'v')])
    expect(w!.dot.seq).toBe(6)
    let done = false
    void compacted.then(() => { done = true })
    await turn()
    expect(done).toBe(false)
    store.go()
    expect(await compacted).toEqual({ [A]: 5 })
    expect(e.floor).toEqual({ [A]: 5 })
    expect((await e.readLog(A, 1, 10)).map((o) => o.seq)).toEqual([6])
  })
})

/** A gated store whose next commit fails once the gate opens. */
class FailingStore extends GatedStore {
  failNext = false
  override async write(batch: StoreWrite, opts: { sync: boolean }): Promise<void> {
    const fail = this.failNext
    this.failNext = false
    if (!fail) return super.write(batch, opts)
    await super.write({ registers: [], docs: [], log: [], meta: await this.readMeta() }, opts)
    throw new Error('disk on fire')
  }
}

describe('a batch merged on top of a commit in flight', () => {
  it('keeps no stale entry once that commit lands with a local write on a key shown before', async () => {
    const [opK, opJ] = await opsOfA(['k', 'a1'], ['j', 'a2'])
    const b = await node(B)
    const k = b.e.applyRemote([opK!])
    await turn()
    expect(text(b.e.get('k'))).toBe('a1')
    b.store.close_()
    const local = b.e.write([put('k', 'b1')])
    await turn()
    const j = b.e.applyRemote([opJ!])
    await turn()
    expect(text(b.e.get('j'))).toBe('a2')
    b.store.open_()
    await local
    // The landed commit holds a1 and b1 (b1's write saw a1): the early entry for k is gone.
    expect(text(b.e.get('k'))).toBe('b1')
    expect(text(b.e.get('j'))).toBe('a2')
    b.timers.fire()
    expect([await k, await j]).toEqual([1, 1])
  })

  it('does not claim an origin whose op beneath it is not shown', async () => {
    const [opK, opM] = await opsOfA(['k', 'a1'], ['m', 'a2'])
    const b = await node(B)
    b.store.close_()
    const local = b.e.write([put('k', 'b1')])
    await turn()
    // A:1 merges on top of that commit, which writes k locally: it is not shown, A not claimed.
    const k = b.e.applyRemote([opK!])
    await turn()
    expect(b.e.hasApplied({ origin: A, seq: 1 })).toBe(false)
    b.timers.fire()
    await turn()
    b.store.open_()
    b.store.close_()
    await local
    await turn()
    // The batch holding A:1 is in flight now.
    expect(b.store.commits).toBe(2)
    expect(b.e.hasApplied({ origin: A, seq: 1 })).toBe(false)
    // A:2 merges on top of that commit in flight and is shown, but A stays unclaimed beneath it.
    const m = b.e.applyRemote([opM!])
    await turn()
    expect(text(b.e.get('m'))).toBe('a2')
    expect(b.e.hasApplied({ origin: A, seq: 2 })).toBe(false)
    b.store.open_()
    await k
    expect(b.e.hasApplied({ origin: A, seq: 1 })).toBe(true)
    b.timers.fire()
    expect(await m).toBe(1)
    expect(b.e.applied).toEqual({ [A]: 2, [B]: 1 })
  })

  it('fails with it when it fails, and nothing it claimed is committed', async () => {
    const [op1, op2] = await opsOfA(['k1', 'a1'], ['k2', 'a2'])
    const store = new FailingStore()
    await store.open()
    const e = new Engine(store, { nodeId: B, clock: new HybridClock({ now: () => 1 }), scheduler: new ManualTimers() })
    await e.open()
    store.close_()
    store.failNext = true
    const local = e.write([put('x', 'b1')])
    const r1 = e.applyRemote([op1!])
    await turn()
    const r2 = e.applyRemote([op2!])
    await turn()
    store.open_()
    await expect(local).rejects.toThrow('disk on fire')
    await expect(r1).rejects.toThrow('disk on fire')
    await expect(r2).rejects.toThrow('disk on fire')
    expect(e.applied).toEqual({})
    expect((await store.readMeta()).applied).toEqual({})
    // The ops come again (from their peer) and apply from the start.
    const again = e.applyRemote([op1!, op2!])
    await e.close()
    expect(await again).toBe(2)
    expect((await store.readMeta()).applied).toEqual({ [A]: 2 })
  })
})

describe('a state transfer', () => {
  it('whose chunk failed does not end: the applied vector and floor stay', async () => {
    const a = await node(A)
    await a.e.write([put('k', 'a1')])
    const state = a.e.get('k')!
    const store = new FailingStore()
    await store.open()
    const e = new Engine(store, { nodeId: B, clock: new HybridClock({ now: () => 1 }), scheduler: new ManualTimers() })
    await e.open()
    const transfer = { failed: false }
    store.failNext = true
    await expect(e.applyState([['k', state]], [], transfer)).rejects.toThrow('disk on fire')
    await expect(e.finishState({ [A]: 1 }, transfer)).rejects.toThrow('not applied')
    expect(e.applied).toEqual({})
    expect(e.floor).toEqual({})
    // A transfer whose chunks all landed ends normally.
    const again = { failed: false }
    await e.applyState([['k', state]], [], again)
    await e.finishState({ [A]: 1 }, again)
    expect(e.applied).toEqual({ [A]: 1 })
    expect(text(e.get('k'))).toBe('a1')
  })
})
