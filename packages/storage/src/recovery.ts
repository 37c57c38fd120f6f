import { EMPTY_REGISTER, applyWrite, type NodeId, type Problems, type Seq } from '@swarmkv/core'
import type { NodeMeta, Store } from './store.js'
import type { KeyStates } from './key-states.js'

/** Ops read from the log per page while replaying. */
const REPLAY_PAGE = 4096

/**
 * Replays the log above the checkpoint marker, origin by origin, into the materialised states
 * (as dirty states). Only register ops: a document op's change bytes were stored as a chunk in
 * the same store write as its log entry, so the document has them already. Applying a register
 * op is a join of its write into the state, so order between origins does not matter and an op
 * the stored state already holds changes nothing (DESIGN §3). Returns the meta the log proves:
 * per origin, the last op of the contiguous run above the marker.
 */
export async function replayLog(store: Store, marker: NodeMeta, self: NodeId, states: KeyStates, problems: Problems): Promise<{ meta: NodeMeta; ops: number }> {
  const applied: Record<string, Seq> = { ...marker.applied }
  let replayed = 0
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
        }
        next++
        replayed++
      }
    }
    if (next - 1 > (applied[origin] ?? 0)) applied[origin] = next - 1
  }
  const seq = Math.max(marker.seq, applied[self] ?? 0)
  return { meta: { seq, applied, floor: marker.floor }, ops: replayed }
}
