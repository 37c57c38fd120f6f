import { EMPTY_REGISTER, type HybridClock, type NodeId, type RegisterState } from '@swarmkv/core'
import type { NodeMeta, Store } from './store.js'
import type { Lru } from './lru.js'
import type { KeyStates } from './key-states.js'
import { freeDoc, loadEntry, type DocEntry } from './doc-entry.js'
import { keysOf, type Job } from './jobs.js'
import { Batch } from './batch.js'

/**
 * A pending batch: a batch not landed yet (the open one, or the one in flight) with what the
 * writer keeps beside it until its commit lands.
 */
export interface PendingBatch {
  readonly batch: Batch
  /** The committed state of every register the batch read. */
  readonly base: Map<string, RegisterState>
  /** Documents loaded for the batch that were not in the cache. */
  readonly docBase: Map<string, DocEntry>
  /** Origins with an op that cannot be shown before the commit (here or in `below`). */
  readonly late: Set<NodeId>
  /** Keys whose early-view entry this batch set. */
  readonly shown: Set<string>
  /** How much of the batch's log extendEarlyView has looked at. */
  published: number
  /** The batch that was in flight when this one started: its states are this one's base. */
  readonly below: PendingBatch | undefined
  /** Set when this batch's commit failed: a batch built on it is void. */
  failure: unknown
  /** When its first request was merged (the engine's monotonic clock, ms): commit latencies count from here. */
  readonly openedAt: number
}

/** Where a pending batch reads committed state from. */
export interface BaseSources {
  readonly nodeId: NodeId
  readonly store: Store
  readonly states: KeyStates
  /** The loaded documents (documents.ts): a document there needs no load. */
  readonly docs: Lru<string, DocEntry>
}

/** A new pending batch on top of `below` (the batch in flight, if any), whose meta it starts from. */
export function newPendingBatch(
  ctx: { readonly nodeId: NodeId; readonly clock: HybridClock; readonly maxDocBytes: number; readonly docs: Lru<string, DocEntry> },
  meta: NodeMeta, below: PendingBatch | undefined, now: number
): PendingBatch {
  const base = new Map<string, RegisterState>()
  const docBase = new Map<string, DocEntry>()
  const batch = new Batch({
    nodeId: ctx.nodeId, clock: ctx.clock, maxDocBytes: ctx.maxDocBytes, meta: below?.batch.meta ?? meta,
    committed: (k) => base.get(k) ?? EMPTY_REGISTER,
    committedDoc: (k) => ctx.docs.get(k) ?? docBase.get(k)!
  })
  return { batch, base, docBase, late: new Set(), shown: new Set(), published: 0, below, failure: undefined, openedAt: now }
}

/**
 * Pins the state every key the jobs read will have once the commit in flight (if any) lands
 * (DESIGN §3, E5): the clean cache may evict an entry while a batch stays open, and nothing
 * else commits meanwhile.
 */
export async function pinBase(p: PendingBatch, jobs: readonly Job[], inflight: PendingBatch | undefined, from: BaseSources): Promise<void> {
  const keys = new Set<string>()
  const docKeys = new Set<string>()
  for (const job of jobs) keysOf(job, keys, docKeys)
  for (const k of keys) {
    if (p.base.has(k) || p.batch.overlay.has(k)) continue
    // A miss reads the store synchronously: a small value is quicker read inline than through the thread pool.
    p.base.set(k, inflight?.batch.overlay.get(k) ?? from.states.read(k, from.store) ?? EMPTY_REGISTER)
  }
  for (const k of docKeys) {
    if (!from.docs.has(k) && !p.docBase.has(k)) p.docBase.set(k, loadEntry(await from.store.getDoc(k), from.nodeId))
  }
}

/** Frees the documents a batch that will not commit loaded. */
export function freeLoadedDocs(p: PendingBatch): void {
  for (const e of p.docBase.values()) freeDoc(e.doc)
  p.docBase.clear()
}
