import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { HybridClock, applyMergePatch, docToJson, replaceRoot, type JsonObject, type NodeId } from '@swarmkv/core'
import { Engine, LevelStore, MemoryStore, type Failpoints, type Store } from '@swarmkv/storage'

const A = '00000000000000a1' as NodeId
const B = '00000000000000b2' as NodeId
const C = '00000000000000c3' as NodeId
const patch = (p: JsonObject) => (root: Record<string, unknown>) => applyMergePatch(root, p)
const json = (e: Engine, key: string) => e.readDoc(key, (d) => (d === undefined ? undefined : docToJson(d)))

async function engine(id: NodeId, store: Store): Promise<Engine> {
  const e = new Engine(store, { nodeId: id, clock: new HybridClock() })
  await e.open()
  return e
}

/** Counts the store writes that carry document chunks or snapshots. */
class DocCounting extends MemoryStore {
  docWrites = 0
  override async write(...args: Parameters<MemoryStore['write']>): Promise<void> {
    if (args[0].docs.length > 0) this.docWrites++
    return super.write(...args)
  }
  override clone(): DocCounting {
    return Object.assign(new DocCounting(), super.clone())
  }
}

describe('replay of document ops', () => {
  it('a crash between a commit\'s log append and its chunks: the next open appends the changes the document lacks', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'swarmkv-docreplay-'))
    try {
      // The second commit with documents is "killed" after its log append (the failpoint throws instead).
      let commitsWithDocs = 0
      const failpoints: Failpoints = { hit: (n) => { if (n === 'after-log-before-chunks' && ++commitsWithDocs === 2) throw new Error('killed') } }
      const store = new LevelStore(dir, { failpoints })
      await store.open()
      const e = await engine(A, store)
      await e.updateDoc('d', (r) => replaceRoot(r, { title: 'one', n: 1 }))
      await expect(e.updateDoc('d', patch({ title: 'two', extra: true }))).rejects.toThrow('killed')
      // Its chunk never reached LevelDB: the stored document is still the first change only.
      expect((await store.getDoc('d'))?.chunks).toHaveLength(1)
      await store.close()

      const s2 = new LevelStore(dir)
      await s2.open()
      const r = await engine(A, s2)
      expect(r.recovery.ops).toBe(2)
      expect(await json(r, 'd')).toEqual({ title: 'two', n: 1, extra: true })
      expect((await s2.getDoc('d'))?.chunks).toHaveLength(2)
      await r.updateDoc('d', patch({ n: 3 }))
      await r.close()
      await s2.close()

      const s3 = new LevelStore(dir)
      await s3.open()
      const again = await engine(A, s3)
      expect(again.recovery.ops).toBe(0)
      expect(await json(again, 'd')).toEqual({ title: 'two', n: 3, extra: true })
      await again.close()
      await s3.close()
    } finally {
      await rm(dir, { recursive: true, force: true })
    }
  })

  it('a crash after the chunks landed: replay finds every change in the document and writes nothing', async () => {
    const store = new DocCounting()
    await store.open()
    const e = await engine(A, store)
    for (let i = 0; i < 5; i++) await e.updateDoc('d', patch({ [`f${i}`]: i }))
    // A peer's change that waits for a dependency this node lacks is in the log and in a chunk too.
    const peer = await engine(C, new MemoryStore().clone())
    await peer.updateDoc('p', (r) => replaceRoot(r, { base: 1 }))
    const other = await engine(B, new MemoryStore().clone())
    await other.applyRemote(await peer.readLog(C, 1, 10))
    await other.updateDoc('p', patch({ top: 2 }))
    await e.applyRemote(await other.readLog(B, 1, 10))
    expect(await json(e, 'p')).toBeUndefined()
    const image = store.clone()
    image.docWrites = 0
    const r = await engine(A, image)
    expect(r.recovery.ops).toBe(6)
    expect(await json(r, 'd')).toEqual({ f0: 0, f1: 1, f2: 2, f3: 3, f4: 4 })
    // Only the waiting change is stored again (Automerge ignores it the second time).
    expect(image.docWrites).toBe(1)
  })
})
