import type { Automerge as A, HybridClock, NodeId, Op, RegisterState, Seq } from '@swarmkv/core'
import type { DocWrite, NodeMeta } from './store.js'
import { planDocWrite, type DocEntry } from './doc-entry.js'
import type { Job } from './jobs.js'

export interface BatchContext {
  readonly nodeId: NodeId
  readonly clock: HybridClock
  readonly maxDocBytes: number
  readonly meta: NodeMeta
  /** The committed state of a register (pinned before the jobs were merged). */
  committed(key: string): RegisterState
  /** The committed document entry (loaded before the batch). */
  committedDoc(key: string): DocEntry
}

export interface DocChange { readonly before: DocEntry; doc: A.Doc<unknown>; readonly changes: Uint8Array[] }

/**
 * A batch: the jobs merged in memory, against committed state, into what one commit writes:
 * the ops for the log, the key states they produce (materialised once the commit lands),
 * document writes and the node meta. A job that throws leaves nothing behind (its register
 * changes stay in `scratch` until it succeeds, appliers.ts); replies are collected and sent only after the
 * commit.
 */
export class Batch {
  /** Register states this batch produced. */
  readonly overlay = new Map<string, RegisterState>()
  /** Ops for the log, in the order they were merged. */
  readonly log: Op[] = []
  /** Replies, sent once the commit landed. */
  readonly done: Array<() => void> = []
  readonly succeeded: Job[] = []
  /** Log ranges to drop once the commit is durable. */
  readonly clears: Array<[NodeId, Seq, Seq]> = []
  readonly docChanges = new Map<string, DocChange>()
  /** A job changed state without ops (or moved the floor): the commit is a checkpoint too. */
  checkpoint = false
  metaChanged = false
  localOps = 0
  remoteOps = 0
  dups = 0
  /** Bytes of replicated register values merged: the early view's share of this batch. */
  valueBytes = 0
  seq: Seq
  readonly applied: Record<string, Seq>
  readonly floor: Record<string, Seq>
  /** The register changes of the job being merged; reused, cleared per job. */
  readonly scratch = new Map<string, RegisterState>()
  /** The ops of the job being merged; reused. */
  readonly jobOps: Op[] = []

  constructor(readonly ctx: BatchContext) {
    this.seq = ctx.meta.seq
    this.applied = { ...ctx.meta.applied }
    this.floor = { ...ctx.meta.floor }
  }

  get meta(): NodeMeta {
    return { seq: this.seq, applied: this.applied, floor: this.floor }
  }

  get changed(): boolean {
    return this.log.length > 0 || this.metaChanged
  }

  /** The state of `k` as the job being merged sees it. */
  state(k: string): RegisterState {
    return this.scratch.get(k) ?? this.overlay.get(k) ?? this.ctx.committed(k)
  }

  /** The next seq of this node's own writes. */
  nextSeq(): Seq {
    this.seq += 1
    this.applied[this.ctx.nodeId] = this.seq
    return this.seq
  }

  docState(k: string): DocChange {
    let d = this.docChanges.get(k)
    if (d === undefined) {
      const before = this.ctx.committedDoc(k)
      d = { before, doc: before.doc, changes: [] }
      this.docChanges.set(k, d)
    }
    return d
  }

  /** How each changed document is stored, and its entry afterwards. */
  docWrites(): { writes: DocWrite[]; entries: Map<string, DocEntry> } {
    const writes: DocWrite[] = []
    const entries = new Map<string, DocEntry>()
    for (const [k, d] of this.docChanges) {
      if (d.changes.length === 0) continue
      const { write, entry } = planDocWrite(k, d.before, d.doc, d.changes)
      writes.push(write)
      entries.set(k, entry)
    }
    return { writes, entries }
  }
}
