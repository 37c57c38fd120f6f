import { describe, expect, it } from 'vitest'
import { HybridClock, type Logger, type NodeId } from '@swarmkv/core'
import { Engine, MemoryStore } from '@swarmkv/storage'
import { Membership, SimScheduler } from '@swarmkv/replication'

type Line = { msg: string; obj: Record<string, unknown> }
function recordingLogger(lines: Line[]): Logger {
  const at = () => (obj: object, msg: string) => { lines.push({ msg, obj: { ...obj } }) }
  return { error: at(), warn: at(), info: at(), debug: at(), child: () => recordingLogger(lines) }
}

const SELF = 'aaaaaaaaaaaaaaaa' as NodeId
const PEER = 'bbbbbbbbbbbbbbbb' as NodeId
const OTHER = 'cccccccccccccccc' as NodeId
const put = (key: string) => ({ key, value: new TextEncoder().encode('v'), contentType: 'text/plain', deleted: false })
const del = (key: string) => ({ key, value: new Uint8Array(), contentType: '', deleted: true })

async function engineWith(scheduler: SimScheduler) {
  const store = new MemoryStore()
  await store.open()
  const engine = new Engine(store, { nodeId: SELF, clock: new HybridClock({ scheduler }), scheduler })
  await engine.open()
  // Ten puts, then two of the keys deleted: seqs 1-12, two tombstones.
  for (let i = 0; i < 10; i++) await engine.write([put(`k${i}`)])
  await engine.write([del('k0')])
  await engine.write([del('k1')])
  return engine
}

describe('membership: the one home of the compaction policy', () => {
  it('alone, compacts everything applied and collects every tombstone, leaving persisted members as they were', async () => {
    const scheduler = new SimScheduler()
    const engine = await engineWith(scheduler)
    // Members a replicated run left behind: a node alone neither waits for them nor erases them.
    await engine.writeMembers(new Map([[PEER, { [SELF]: 3 }]]))
    const lines: Line[] = []
    const m = new Membership({ engine, alone: true, scheduler, log: recordingLogger(lines) })
    await m.open()
    expect(m.size).toBe(0)
    expect(m.stable()).toEqual({ [SELF]: 12 })
    expect(await m.compactOnce()).toEqual({ [SELF]: 12 })
    expect(engine.floor).toEqual({ [SELF]: 12 })
    expect(m.stats).toEqual({ compactions: 1, tombstonesCollected: 2 })
    expect(lines.find((l) => l.msg === 'log compacted')?.obj).toEqual({ droppedOps: 12, floor: { [SELF]: 12 }, tombstonesCollected: 2, members: 0 })
    expect(await engine.readMembers()).toEqual(new Map([[PEER, { [SELF]: 3 }]]))
    expect(await m.forget(PEER)).toBe(false)
  })

  it('replicated, compacts to what every member has applied, persists a new member at once, and forgets one', async () => {
    const scheduler = new SimScheduler()
    const engine = await engineWith(scheduler)
    await engine.writeMembers(new Map([[PEER, { [SELF]: 5 }]]))
    const m = new Membership({ engine, scheduler })
    await m.open()
    await m.open()
    expect(m.size).toBe(1)
    expect(m.stable()).toEqual({ [SELF]: 5 })

    expect(m.noteApplied(OTHER, { [SELF]: 11 })).toBe(true)
    expect(m.noteApplied(OTHER, { [SELF]: 12 })).toBe(false)
    await scheduler.run()
    expect(await engine.readMembers()).toEqual(new Map([[PEER, { [SELF]: 5 }], [OTHER, { [SELF]: 11 }]]))

    expect(await m.compactOnce()).toEqual({ [SELF]: 5 })
    // The tombstones are at seqs 11 and 12, above what PEER has: none is collected yet.
    expect(m.stats).toEqual({ compactions: 1, tombstonesCollected: 0 })
    // Compaction persists what members last acknowledged.
    expect(await engine.readMembers()).toEqual(new Map([[PEER, { [SELF]: 5 }], [OTHER, { [SELF]: 12 }]]))

    const forgotten: NodeId[] = []
    m.onForget((id) => forgotten.push(id))
    expect(await m.forget(PEER)).toBe(true)
    expect(await m.forget(PEER)).toBe(false)
    expect(forgotten).toEqual([PEER, PEER])
    expect(await engine.readMembers()).toEqual(new Map([[OTHER, { [SELF]: 12 }]]))
    expect(m.vectors()).toEqual([{ [SELF]: 12 }])
    expect(await m.compactOnce()).toEqual({ [SELF]: 12 })
    expect(m.stats).toEqual({ compactions: 2, tombstonesCollected: 2 })
  })

  it('compacts on its schedule through the scheduler until stopped; interval 0 never does', async () => {
    const scheduler = new SimScheduler()
    const engine = await engineWith(scheduler)
    const m = new Membership({ engine, alone: true, scheduler, compactIntervalMs: 1_000 })
    const off = new Membership({ engine, alone: true, scheduler, compactIntervalMs: 0 })
    m.start()
    m.start()
    off.start()
    await scheduler.run({ until: 999 })
    expect(m.stats.compactions).toBe(0)
    await scheduler.run({ until: 3_500 })
    expect(m.stats.compactions).toBe(3)
    await m.stop()
    await scheduler.run({ until: 10_000 })
    expect(m.stats.compactions).toBe(3)
    expect(off.stats.compactions).toBe(0)
    expect(scheduler.pending).toBe(0)
  })
})
