import * as c from 'compact-encoding'
import type { Logger, Scheduler, VersionVector } from '@swarmkv/core'
import type { ReplicationStats } from './stats.js'
import { stateChunkEncoding, type StateChunkMessage } from './wire.js'

/** A state transfer in progress logs how far it got this often. */
const PROGRESS_LOG_MS = 5_000

/** A state transfer to or from the peer, as far as it got. */
export interface TransferProgress {
  readonly direction: 'sending' | 'receiving'
  /** Wall-clock ms since the epoch, as /cluster shows it. */
  readonly startedAt: number
  keys: number
  bytes: number
}

/**
 * The state transfer a session has under way, if any: shown in /cluster (`transfer`, and
 * `catchingUp`), logged at its start, every PROGRESS_LOG_MS while it lasts, and at its end with
 * keys, bytes and rate, and counted once finished.
 */
export class TransferTracker {
  current: TransferProgress | undefined
  private loggedAt = 0
  /** When the current transfer began, monotonic ms: its duration and rate are measured from this. */
  private began = 0

  constructor(private readonly log: Logger, private readonly stats: ReplicationStats, private readonly scheduler: Scheduler) {}

  begin(direction: TransferProgress['direction'], applied: VersionVector): void {
    const now = this.scheduler.now()
    this.current = { direction, startedAt: this.scheduler.wallNow(), keys: 0, bytes: 0 }
    this.began = now
    this.loggedAt = now
    this.log.info({ direction, applied }, 'state transfer started')
  }

  progress(keys: number, bytes: number): void {
    const t = this.current
    if (t === undefined) return
    t.keys += keys
    t.bytes += bytes
    const now = this.scheduler.now()
    if (now - this.loggedAt < PROGRESS_LOG_MS) return
    this.loggedAt = now
    this.log.info({ direction: t.direction, keys: t.keys, bytes: t.bytes, bytesPerSecond: rate(t.bytes, now - this.began) }, 'state transfer in progress')
  }

  end(): void {
    const t = this.current
    if (t === undefined) return
    this.current = undefined
    const ms = this.scheduler.now() - this.began
    this.stats.stateTransferBytes += t.bytes
    this.stats.stateTransferKeys += t.keys
    this.log.info({ direction: t.direction, keys: t.keys, bytes: t.bytes, ms, bytesPerSecond: rate(t.bytes, ms) }, 'state transfer finished')
  }

  /** The session closed with a transfer under way. */
  interrupted(): void {
    const t = this.current
    if (t === undefined) return
    this.current = undefined
    this.log.warn({ direction: t.direction, keys: t.keys, bytes: t.bytes }, 'state transfer interrupted')
  }
}

/** Encoded size of a state chunk, in bytes. */
export function chunkBytes(m: StateChunkMessage): number {
  const st = c.state()
  stateChunkEncoding.preencode(st, m)
  return st.end
}

function rate(bytes: number, ms: number): number | null {
  return ms > 0 ? Math.round((bytes * 1000) / ms) : null
}
