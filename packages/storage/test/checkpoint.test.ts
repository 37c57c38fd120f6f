import { describe, expect, it } from 'vitest'
import { HybridClock, Problems, realScheduler, type NodeId } from '@swarmkv/core'
import { Engine, MemoryStore, type EngineOptions, type Failpoints, type LocalWrite } from '@swarmkv/storage'

const A = '00000000000000aa' as NodeId
const B = '00000000000000bb' as NodeId
const enc = (s: string) => new TextEncoder().encode(s)
const put = (key: string, value: string): LocalWrite => ({ key, value: enc(value), contentType: 'text/plain', deleted: false })
const del = (key: string): LocalWrite => ({ key, value: new Uint8Array(), contentType: 'text/plain', deleted: true })

/** Counts the store writes that carry a checkpoint marker, and those of states alone (a background checkpoint's). */
class CountingStore extends MemoryStore {
  markers = 0
  stateWrites = 0
  override async write(...args: Parameters<MemoryStore['write']>): Promise<void> {
    if (args[0].meta !== undefined) this.markers++
    else if (args[0].log.length === 0) this.stateWrites++
    return super.write(...args)
  }
}

async function open(id: NodeId, store: MemoryStore, opts: Partial<EngineOptions> = {}): Promise<Engine> {
  let t = 1000
  const e = new Engine(store, { nodeId: id, clock: new HybridClock({ now: () => t++ }), ...opts })
  await e.open()
  return e
}

/** A reopened copy of `store` (as a crash would leave it): its digest, applied vector, and what it replayed. */
async function reopened(id: NodeId, store: MemoryStore) {
  const e = await open(id, store.clone())
  const d = await e.digest()
  return { digest: d.digest, applied: e.applied, seq: e.seq, replayed: e.recovery.ops }
}

describe('checkpoints and replay', () => {
  it('a node reopened from the store at any moment (between commits, in the middle of a checkpoint) has the same state', async () => {
    const store = new MemoryStore()
    await store.open()
    // Crash images taken at the failpoint, between a checkpoint's states and its marker.
    const midCheckpoint: MemoryStore[] = []
    const failpoints: Failpoints = { hit: (n) => { if (n === 'mid-checkpoint') midCheckpoint.push(store.clone()) } }
    const a = await open(A, store, { checkpointOps: 7, failpoints })
    const b = await open(B, new MemoryStore().clone())
    const images: Array<{ store: MemoryStore; digest: string; applied: unknown }> = []
    const image = () => images.push({ store: store.clone(), digest: '', applied: { ...a.applied } })
    for (let i = 0; i < 60; i++) {
      if (i % 5 === 4) await a.write([del(`k${i % 11}`)])
      else await a.write([put(`k${i % 11}`, `a${i}`), put(`j${i % 3}`, `x${i}`)])
      image()
      // A peer's writes interleave with the local ones: replay is per origin, order-free.
      if (i % 3 === 0) {
        await b.write([put(`k${i % 11}`, `b${i}`)])
        await a.applyRemote(await b.readLog(B, (a.applied[B] ?? 0) + 1, 100))
        image()
      }
    }
    // The live digest at each image: a copy of the image, checkpointed, serves as the reference
    // of what was committed; the reopened copy must equal it and claim exactly what was applied.
    for (const img of images) {
      const r = await reopened(A, img.store)
      expect(r.applied).toEqual(img.applied)
      img.digest = r.digest
    }
    expect((await reopened(A, images[images.length - 1]!.store)).digest).toBe((await a.digest()).digest)
    // Commits replayed above the marker, and a checkpoint in the middle left states newer than its marker.
    expect((await reopened(A, images[images.length - 1]!.store)).replayed).toBeGreaterThan(0)
    expect(midCheckpoint.length).toBeGreaterThan(3)
    for (const img of midCheckpoint) {
      const r = await reopened(A, img)
      const committed = images.find((x) => JSON.stringify(x.applied) === JSON.stringify(r.applied))
      expect(committed, 'a mid-checkpoint image replays to a committed state').toBeDefined()
      expect(r.digest).toBe(committed!.digest)
    }
  })

  it('a clean close checkpoints: the next open replays nothing', async () => {
    const store = new MemoryStore()
    await store.open()
    const a = await open(A, store)
    for (let i = 0; i < 20; i++) await a.write([put(`k${i}`, 'v')])
    const before = (await a.digest()).digest
    await a.write([put('late', 'v')])
    const crashed = await reopened(A, store)
    expect(crashed.replayed).toBe(1)
    await a.close()
    const again = await open(A, store)
    expect(again.recovery.ops).toBe(0)
    expect(again.applied).toEqual({ [A]: 21 })
    expect((await again.digest()).digest).not.toBe(before)
    expect(again.get('late')?.siblings).toHaveLength(1)
  })

  it('starts a checkpoint when the dirty states pass their byte budget', async () => {
    const store = new CountingStore()
    await store.open()
    const a = await open(A, store, { dirtyBytes: 10_000, checkpointOps: 1_000_000 })
    const big = 'x'.repeat(1400)
    let i = 0
    while (store.stateWrites === 0 && i < 100) await a.write([put(`k${i++}`, big)])
    // About 2 KB per state (key-states.ts, registerSize): the 5th write passes 10,000 bytes.
    expect(i).toBe(5)
    await a.checkpoint()
    expect(a.memory.dirtyBytes).toBe(0)
    expect(a.memory.checkpoints).toBe(1)
  })

  it('makes commits wait for the checkpoint in flight once the dirty states pass twice their budget, and counts the stall', async () => {
    // The background checkpoint's state writes wait on a gate, so it stays in flight.
    let release = (): void => {}
    const gate = new Promise<void>((resolve) => { release = resolve })
    class GatedStore extends MemoryStore {
      override async write(...args: Parameters<MemoryStore['write']>): Promise<void> {
        if (args[0].log.length === 0 && args[0].meta === undefined) await gate
        return super.write(...args)
      }
    }
    const store = new GatedStore()
    await store.open()
    let t = 0
    // Time the stall measures: real timers (the deferral's), a clock the test moves.
    const scheduler = { ...realScheduler, now: () => t }
    const a = new Engine(store, { nodeId: A, clock: new HybridClock({ now: () => 1000 + t }), scheduler, dirtyBytes: 10_000, checkpointOps: 1_000_000 })
    await a.open()
    const big = 'x'.repeat(1400)
    // Five writes pass the budget and start the checkpoint; it holds them while more pile up.
    for (let i = 0; i < 5; i++) await a.write([put(`k${i}`, big)])
    expect(a.memory.checkpoints).toBe(0)
    // The checkpoint took those five; writes still land while the new dirty states stay under
    // twice the budget (20,000 bytes, about 2 KB a state)...
    expect(a.memory.dirtyBytes).toBe(0)
    for (let i = 0; a.memory.dirtyBytes <= 20_000 && i < 20; i++) await a.write([put(`m${i}`, big)])
    expect(a.memory.dirtyBytes).toBeGreaterThan(20_000)
    expect(a.memory.writeStalls).toBe(0)
    // ...and past it the writer stops merging until the checkpoint lands.
    let landed = false
    const stalled = a.write([put('late', big)]).then(() => { landed = true })
    await new Promise((r) => setTimeout(r, 20))
    expect(landed).toBe(false)
    expect(a.memory.writeStalls).toBe(1)
    t += 250
    release()
    await stalled
    expect(a.memory.writeStallMs).toBe(250)
    await a.checkpoint()
    expect(a.memory.checkpoints).toBeGreaterThanOrEqual(1)
    expect(a.memory.checkpointedStates).toBeGreaterThanOrEqual(5)
    expect(a.memory.failedCheckpoints).toBe(0)
    await a.close()
  })

  it('starts a checkpoint every checkpointOps ops, bounding what a restart replays', async () => {
    const store = new CountingStore()
    await store.open()
    const a = await open(A, store, { checkpointOps: 25 })
    for (let i = 0; i < 100; i++) {
      await a.write([put(`k${i % 7}`, `v${i}`)])
      expect(a.memory.pendingOps).toBeLessThan(25)
    }
    await a.checkpoint()
    expect(a.memory.checkpoints).toBe(4)
    const r = await reopened(A, store)
    expect(r.replayed).toBe(0)
    expect(r.applied).toEqual({ [A]: 100 })
  })

  it('bulk readers see states not yet checkpointed: list, digest, snapshot, tombstone collection', async () => {
    const store = new CountingStore()
    await store.open()
    const a = await open(A, store)
    await a.write([put('p/1', 'v'), put('p/2', 'v'), put('q/1', 'v')])
    await a.write([del('p/2')])
    expect(store.markers).toBe(0)
    expect(a.memory.dirtyKeys).toBe(3)
    expect((await a.list('p/', undefined, 10)).keys).toEqual(['p/1'])
    expect((await a.list('', 'p/1', 10)).keys).toEqual(['q/1'])
    // A digest equals the digest of the same writes checkpointed elsewhere.
    const other = await open(A, store.clone())
    expect((await a.digest()).digest).toBe((await other.digest()).digest)
    await a.write([put('r/1', 'v')])
    const snap = await a.snapshot()
    const keys: string[] = []
    for await (const [k] of snap.registers()) keys.push(k)
    await snap.close()
    expect(keys).toEqual(['p/1', 'p/2', 'q/1', 'r/1'])
    expect(snap.meta.applied).toEqual({ [A]: 5 })
    await a.write([del('r/1')])
    expect(await a.collectTombstones(a.applied)).toBe(2)
    expect(a.tombstonesPending).toBe(0)
  })

  it('a failed background checkpoint keeps its states dirty and counts a problem', async () => {
    class Failing extends MemoryStore {
      fail = true
      override async write(...args: Parameters<MemoryStore['write']>): Promise<void> {
        if (this.fail && args[0].log.length === 0) throw new Error('disk on fire')
        return super.write(...args)
      }
    }
    const store = new Failing()
    await store.open()
    const problems = new Problems()
    const a = await open(A, store, { checkpointOps: 3, problems })
    for (let i = 0; i < 3; i++) await a.write([put(`k${i}`, 'v')])
    await new Promise((r) => setTimeout(r, 10))
    expect(problems.snapshot().get('checkpoint')).toBe(1)
    expect(a.memory.dirtyKeys).toBe(3)
    expect(a.get('k1')?.siblings).toHaveLength(1)
    store.fail = false
    await a.checkpoint()
    expect(a.memory.dirtyKeys).toBe(0)
    expect((await reopened(A, store)).replayed).toBe(0)
  })
})
