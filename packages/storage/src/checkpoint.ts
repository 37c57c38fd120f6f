import { encode, registerStateEncoding, type Problems, type RegisterState } from '@swarmkv/core'
import type { NodeMeta, Store } from './store.js'
import type { KeyStates } from './key-states.js'
import type { Failpoints } from './failpoints.js'

/** Dirty state bytes that start a checkpoint. */
export const DEFAULT_DIRTY_BYTES = 8 * 1024 * 1024
/** Ops committed since the last checkpoint that start one (bounds replay on start). */
export const DEFAULT_CHECKPOINT_OPS = 20_000
/** States per store write of a background checkpoint: bounds what one write encodes and holds. */
const CHUNK_STATES = 2000

export interface CheckpointOptions {
  readonly dirtyBytes: number
  readonly ops: number
  readonly sync: boolean
  readonly problems: Problems
  readonly failpoints: Failpoints
  readonly now: () => number
}

/**
 * Background checkpoints: the dirty key states written to the store, then the marker (the seq,
 * applied vector and floor those states cover), beside later commits. Started when the dirty
 * map passes its byte budget or enough ops were committed since the last one. One at a time.
 */
export class Checkpointer {
  private opsSince = 0
  private running: Promise<void> | undefined
  /** Cumulative (for /metrics) and of the last one; a stall is a commit waiting on backpressure(). */
  readonly stats = { checkpoints: 0, failed: 0, lastMs: 0, lastStates: 0, totalMs: 0, states: 0, stalls: 0, stallMs: 0 }

  constructor(private readonly store: Store, private readonly states: KeyStates, private readonly opts: CheckpointOptions) {}

  /** Ops committed since the last checkpoint began (what a crash now would replay). */
  get pendingOps(): number { return this.opsSince }

  /** A commit landed with `ops` ops; `meta` is the node's meta after it. */
  landed(ops: number, meta: NodeMeta): void {
    this.opsSince += ops
    if (this.running !== undefined) return
    if (this.states.dirtyBytes >= this.opts.dirtyBytes || this.opsSince >= this.opts.ops) this.start(meta)
  }

  /** Resolves once no background checkpoint is being written. */
  idle(): Promise<void> {
    return this.running ?? Promise.resolve()
  }

  /** Commits wait for the checkpoint in flight once the dirty map is twice its budget (counted as a stall). */
  backpressure(): Promise<void> | undefined {
    if (this.running === undefined || this.states.dirtyBytes <= 2 * this.opts.dirtyBytes) return undefined
    const since = this.opts.now()
    this.stats.stalls++
    return this.running.then(() => { this.stats.stallMs += this.opts.now() - since })
  }

  /** A commit wrote every dirty state and the marker itself. */
  covered(): void {
    this.opsSince = 0
  }

  private start(meta: NodeMeta): void {
    const ops = this.opsSince
    const flushing = this.states.beginFlush()
    this.opsSince = 0
    const started = this.opts.now()
    const encoded = new Map<string, Uint8Array>()
    this.running = this.write(flushing, meta, encoded).then(() => {
      this.states.endFlush(true, encoded)
      this.stats.checkpoints++
      this.stats.lastMs = this.opts.now() - started
      this.stats.lastStates = flushing.size
      this.stats.totalMs += this.stats.lastMs
      this.stats.states += flushing.size
    }, (err: unknown) => {
      // Nothing is lost: the states are dirty again and the log still holds their ops.
      this.states.endFlush(false)
      this.opsSince += ops
      this.stats.failed++
      this.opts.problems.catcher('checkpoint', 'a checkpoint failed; its states stay dirty')(err)
    }).finally(() => { this.running = undefined })
  }

  /**
   * States first, in chunks, then the marker. A crash between leaves states newer than the
   * marker says; replay applies the ops above the marker to them again, which changes nothing
   * (DESIGN §3: applying an op is idempotent). Each state is encoded once, here, a chunk at a
   * time; `encoded` keeps the bytes for the clean cache.
   */
  private async write(states: ReadonlyMap<string, RegisterState>, meta: NodeMeta, encoded: Map<string, Uint8Array>): Promise<void> {
    let chunk: Array<readonly [string, Uint8Array]> = []
    for (const [k, v] of states) {
      const bytes = encode(registerStateEncoding, v)
      encoded.set(k, bytes)
      chunk.push([k, bytes])
      if (chunk.length >= CHUNK_STATES) {
        await this.store.write({ registers: [], encodedRegisters: chunk, docs: [], log: [] }, { sync: false })
        chunk = []
      }
    }
    if (chunk.length > 0) await this.store.write({ registers: [], encodedRegisters: chunk, docs: [], log: [] }, { sync: false })
    this.opts.failpoints.hit('mid-checkpoint')
    await this.store.write({ registers: [], docs: [], log: [], meta }, { sync: this.opts.sync })
  }
}
