import { Automerge as A, EMPTY_REGISTER, applyWrite, type NodeId, type Problems, type Seq } from '@swarmkv/core'
import type { NodeMeta, Store } from './store.js'
import type { KeyStates } from './key-states.js'
import { freeDoc, loadEntry } from './doc-entry.js'

/** Ops read from the log per page while replaying. */
const REPLAY_PAGE = 4096

/**
 * Replays the log above the checkpoint marker, origin by origin, into the materialised states
 * (as dirty states), and into the stored documents. Applying a register op is a join of its
 * write into the state, so order between origins does not matter and an op the stored state
 * already holds changes nothing (DESIGN §3b). A document op's changes are stored as a chunk
 * after its log append, so a crash between the two leaves a document without them: they are
 * appended again (replayDocs). Returns the meta the log proves: per origin, the last op of the
 * contiguous run above the marker; and how many ops and documents it replayed.
 */
export async function replayLog(store: Store, marker: NodeMeta, self: NodeId, states: KeyStates, problems: Problems): Promise<{ meta: NodeMeta; ops: number; docs: number }> {
  const applied: Record<string, Seq> = { ...marker.applied }
  let replayed = 0
  const docChanges = new Map<string, Uint8Array[]>()
  for (const origin of await store.logOrigins()) {
    let next = (applied[origin] ?? 0) + 1
    for (let more = true; more;) {
      const ops = await store.readLog(origin, next, REPLAY_PAGE)
      more = ops.length === REPLAY_PAGE
      for (const op of ops) {
        if (op.seq !== next) {
          // Commits append each origin's ops contiguously above what was applied: a hole means
          // the log was damaged. Stop at it: peers send the rest again.
          problems.report('replay', new Error(`log of ${origin} jumps from ${next - 1} to ${op.seq}`))
          more = false
          break
        }
        if (op.kind === 'reg') {
          const cur = states.read(op.key, store) ?? EMPTY_REGISTER
          states.committed(op.key, applyWrite(cur, op.write))
        } else {
          let list = docChanges.get(op.key)
          if (list === undefined) docChanges.set(op.key, (list = []))
          for (const c of op.changes) list.push(c)
        }
        next++
        replayed++
      }
    }
    if (next - 1 > (applied[origin] ?? 0)) applied[origin] = next - 1
  }
  const seq = Math.max(marker.seq, applied[self] ?? 0)
  const docs = await replayDocs(store, docChanges, self)
  return { meta: { seq, applied, floor: marker.floor }, ops: replayed, docs }
}

/**
 * Appends to each document the replayed changes it does not hold, as one chunk; a document that
 * holds them all (its chunk landed before the crash, the usual case) is not written. A change
 * still waiting in the stored document for a dependency counts as not held, so it is stored
 * once more: Automerge ignores a change it already has. Not synced: the marker only moves past
 * these ops with the checkpoint after replay, whose synced write covers LevelDB's log before it.
 */
async function replayDocs(store: Store, docChanges: ReadonlyMap<string, readonly Uint8Array[]>, self: NodeId): Promise<number> {
  let written = 0
  for (const [key, changes] of docChanges) {
    const entry = loadEntry(await store.getDoc(key), self)
    try {
      const missing = changes.filter((c) => !A.hasHeads(entry.doc, [A.decodeChange(c).hash]))
      if (missing.length === 0) continue
      const bytes = new Uint8Array(missing.reduce((n, c) => n + c.byteLength, 0))
      let o = 0
      for (const c of missing) { bytes.set(c, o); o += c.byteLength }
      await store.write({ registers: [], docs: [{ key, kind: 'append', index: entry.chunks, bytes }], log: [] }, { sync: false })
      written++
    } finally {
      freeDoc(entry.doc)
    }
  }
  return written
}
