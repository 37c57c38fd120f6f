import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import fc from 'fast-check'
import {
  HybridClock, applyMergePatch, docConflicts, docToJson, incrementCounter, replaceRoot, type JsonObject, type NodeId, type Op
} from '@swarmkv/core'
import { Engine, LevelStore, MemoryStore, type Store } from '@swarmkv/storage'

const ids = ['00000000000000a1', '00000000000000b2', '00000000000000c3'] as NodeId[]

async function engine(id: NodeId, store: Store = new MemoryStore()) {
  await store.open()
  const e = new Engine(store, { nodeId: id, clock: new HybridClock() })
  await e.open()
  return e
}

async function ops(e: Engine, origin: NodeId, from = 1): Promise<Op[]> {
  return e.readLog(origin, from, 1_000_000)
}

/** Delivers to `to` everything `from` has that `to` lacks, origin by origin. */
async function sync(from: Engine, to: Engine) {
  for (const origin of Object.keys(from.applied) as NodeId[]) {
    await to.applyRemote(await ops(from, origin, (to.applied[origin] ?? 0) + 1))
  }
}

const json = (e: Engine, key: string) => e.readDoc(key, (d) => (d === undefined ? undefined : docToJson(d)))
const patch = (p: JsonObject) => (root: Record<string, unknown>) => applyMergePatch(root, p)

describe('documents across engines', () => {
  it('concurrent patches to different fields both survive; the same field has one winner everywhere and is listed', async () => {
    const a = await engine(ids[0]!)
    const b = await engine(ids[1]!)
    await a.updateDoc('d', (r) => replaceRoot(r, { title: 'start', meta: { owner: 'x' } }))
    await sync(a, b)
    await a.updateDoc('d', patch({ title: 'from a', meta: { a: 1 } }))
    await b.updateDoc('d', patch({ title: 'from b', meta: { b: 2 }, extra: true }))
    await sync(a, b)
    await sync(b, a)
    const ja = await json(a, 'd')
    expect(ja).toEqual(await json(b, 'd'))
    expect(ja).toMatchObject({ meta: { owner: 'x', a: 1, b: 2 }, extra: true })
    const conflicts = await a.readDoc('d', (doc) => docConflicts(doc!))
    expect(conflicts).toEqual([{ path: ['title'], values: [ja!.title, ja!.title === 'from a' ? 'from b' : 'from a'] }])
    expect(await b.readDoc('d', (doc) => docConflicts(doc!))).toEqual(conflicts)
    expect((await a.digest()).digest).toBe((await b.digest()).digest)
  })

  it('concurrent increments add up exactly', async () => {
    const a = await engine(ids[0]!)
    const b = await engine(ids[1]!)
    await a.updateDoc('c', (r) => replaceRoot(r, { n: { $counter: 0 } }))
    await sync(a, b)
    for (let i = 0; i < 25; i++) {
      await a.updateDoc('c', (r) => incrementCounter(r, ['n'], 2))
      await b.updateDoc('c', (r) => incrementCounter(r, ['n'], 3))
    }
    await sync(a, b)
    await sync(b, a)
    expect(await json(a, 'c')).toEqual({ n: 125 })
    expect(await json(b, 'c')).toEqual({ n: 125 })
  })

  it('any delivery order of the same doc ops gives the same document (property)', async () => {
    // Three writers patch the same document, syncing now and then, so changes depend on each other.
    const writers = await Promise.all(ids.map((id) => engine(id)))
    const fields = ['a', 'b', 'c', 'd']
    for (let i = 0; i < 30; i++) {
      const w = writers[i % 3]!
      const f = fields[(i * 7) % fields.length]!
      await w.updateDoc('p', patch({ [f]: `${i}`, [`only${i % 3}`]: { n: i } }))
      if (i % 4 === 3) await sync(writers[(i + 1) % 3]!, w)
    }
    const perOrigin = await Promise.all(ids.map(async (id, i) => ops(writers[i]!, id)))
    let reference: { json: unknown; digest: string } | undefined
    await fc.assert(
      fc.asyncProperty(fc.array(fc.integer({ min: 0, max: 2 }), { minLength: 200, maxLength: 200 }), fc.boolean(), async (choices, dup) => {
        const target = await engine('00000000000000ff' as NodeId)
        const cursors = [0, 0, 0]
        let k = 0
        while (cursors.some((c, i) => c < perOrigin[i]!.length)) {
          let o = choices[k++ % choices.length]!
          while (cursors[o]! >= perOrigin[o]!.length) o = (o + 1) % 3
          const batch = perOrigin[o]!.slice(cursors[o], cursors[o]! + 1 + (k % 3))
          await target.applyRemote(batch)
          if (dup) await target.applyRemote(batch)
          cursors[o]! += batch.length
        }
        const got = { json: await json(target, 'p'), digest: (await target.digest()).digest }
        reference ??= got
        expect(got).toEqual(reference)
        await target.close()
      }),
      { numRuns: 40 }
    )
    for (const w of writers) await sync(w, writers[0]!)
    expect(await json(writers[0]!, 'p')).toEqual(reference!.json)
  })

  it('persists across restarts: snapshots, chunks, and changes still waiting for a dependency', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'swarmkv-docs-'))
    try {
      const a = await engine(ids[0]!)
      const c = await engine(ids[2]!)
      // 150 local changes on the durable node: crosses the snapshot threshold twice.
      const storeB = new LevelStore(dir)
      let b = await engine(ids[1]!, storeB)
      for (let i = 0; i < 150; i++) await b.updateDoc('log', patch({ [`k${i % 10}`]: i, last: i }))
      // A change from c that depends on a change from a that b has not received yet.
      await a.updateDoc('dep', (r) => replaceRoot(r, { base: 1 }))
      await sync(a, c)
      await c.updateDoc('dep', patch({ onTop: 2 }))
      await b.applyRemote(await ops(c, ids[2]!))
      expect(await json(b, 'dep')).toBeUndefined()
      await b.close()
      await storeB.close()

      const reopened = new LevelStore(dir)
      b = await engine(ids[1]!, reopened)
      expect(await json(b, 'log')).toMatchObject({ last: 149, k9: 149, k0: 140 })
      await b.applyRemote(await ops(a, ids[0]!))
      expect(await json(b, 'dep')).toEqual({ base: 1, onTop: 2 })
      await b.close()
      await reopened.close()
    } finally {
      await rm(dir, { recursive: true, force: true })
    }
  })
})
