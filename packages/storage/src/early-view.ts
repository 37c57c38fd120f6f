import type { NodeId, RegisterState, Seq, VersionVector } from '@swarmkv/core'
import { keysOf } from './jobs.js'
import type { PendingBatch } from './pending-batch.js'

/** What reads see of a batch before its commit: some key states, and the applied vector they complete. */
export interface EarlyView {
  readonly states: Map<string, RegisterState>
  readonly applied: VersionVector
}

/**
 * Makes the replicated register writes of the open batch readable before its commit lands, so
 * a write's visibility on other nodes waits neither for their fsync nor for their group commit.
 * Safe because each was durable at its origin before it was sent: a crash loses only this
 * node's copy, and peers send it again (acks and hellos carry the durable vector, never this
 * one). Not shown early: a key a local request of the batch writes (that write is not
 * acknowledged, and may never be), documents, and this node's own ops coming back; an origin
 * with such an op keeps its applied entry until the commit. Only ever extends what is shown, so
 * reads stay monotonic: a key shown before a local write joined the batch keeps the state it was
 * shown with. `below` is the batch in flight that `p` was merged on top of, if any. Extends `view`
 * in place when there is one.
 */
export function extendEarlyView(
  view: EarlyView | undefined, p: PendingBatch, self: NodeId, durable: VersionVector, below: PendingBatch | undefined
): EarlyView | undefined {
  const { batch } = p
  const log = batch.log
  if (p.published === log.length) return view
  if (batch.remoteOps === 0) { p.published = log.length; return view }
  // Keys written locally in this batch or in the one in flight beneath it (merged into its states).
  const held = new Set<string>()
  const ignored = new Set<string>()
  for (const b of below === undefined ? [batch] : [batch, below.batch]) {
    for (const job of b.succeeded) if (job.kind !== 'remote') keysOf(job, held, ignored)
    for (const op of b.log) if (op.origin === self) held.add(op.key)
  }
  // An origin held back beneath stays held back here: raising it would claim its op beneath.
  if (below !== undefined) for (const o of below.late) p.late.add(o)
  const out = view ?? { states: new Map<string, RegisterState>(), applied: { ...durable } }
  const applied = out.applied as Record<string, Seq>
  for (let i = p.published; i < log.length; i++) {
    const op = log[i]!
    if (op.origin !== self && (op.kind !== 'reg' || held.has(op.key))) p.late.add(op.origin)
  }
  for (let i = p.published; i < log.length; i++) {
    const op = log[i]!
    if (op.origin === self || op.kind !== 'reg' || held.has(op.key)) continue
    out.states.set(op.key, batch.overlay.get(op.key)!)
    p.shown.add(op.key)
    if (!p.late.has(op.origin)) applied[op.origin] = Math.max(applied[op.origin] ?? 0, op.seq)
  }
  p.published = log.length
  return out
}

/**
 * What is left of the early view once a commit landed: every key it wrote is readable from the
 * key states now, except those the open batch (merged on top of it) shows itself, whose entry is
 * newer. A key shown before a local write joined the landed batch goes too: the committed state
 * now holds both. Undefined when the open batch shows nothing.
 */
export function retireEarlyView(
  view: EarlyView | undefined, landed: ReadonlyMap<string, RegisterState>, open: PendingBatch | undefined
): EarlyView | undefined {
  if (view === undefined || open === undefined || open.shown.size === 0) return undefined
  for (const k of landed.keys()) if (!open.shown.has(k)) view.states.delete(k)
  return view
}
