import type { Op } from '@swarmkv/core'
import { heldBytesOf } from './recent-ops.js'

/** Received ops (and state-transfer keys) not yet applied, at most: past either bound the connection is paused. */
export const DEFAULT_RECEIVE_WINDOW = { ops: 8192, bytes: 16 * 1024 * 1024 } as const

/**
 * Receive-side backpressure of one session: the ops (and state-transfer keys) a peer sent that
 * the engine has not applied yet. Counting ops alone bounded nothing for large values (8,192 ops of 1 MiB values are 8 GiB),
 * so bytes (recent-ops.ts heldBytesOf) bound it too. The connection pauses above either bound and
 * resumes once both are under a quarter of it, so one large message does not flap it.
 */
export class ReceiveWindow {
  private ops = 0
  private bytes = 0
  private paused = false

  constructor(private readonly maxOps: number = DEFAULT_RECEIVE_WINDOW.ops, private readonly maxBytes: number = DEFAULT_RECEIVE_WINDOW.bytes) {}

  /** `items` ops or keys of `bytes` arrived; true when the connection should pause now. */
  arrived(items: number, bytes: number): boolean {
    this.ops += items
    this.bytes += bytes
    if (this.paused || (this.ops <= this.maxOps && this.bytes <= this.maxBytes)) return false
    this.paused = true
    return true
  }

  /** What `arrived` counted was applied (or failed); true when the connection should resume now. */
  settled(items: number, bytes: number): boolean {
    this.ops -= items
    this.bytes -= bytes
    if (!this.paused || this.ops >= this.maxOps / 4 || this.bytes >= this.maxBytes / 4) return false
    this.paused = false
    return true
  }

  get held(): { ops: number; bytes: number } { return { ops: this.ops, bytes: this.bytes } }
}

export function bytesOf(ops: readonly Op[]): number {
  let n = 0
  for (const op of ops) n += heldBytesOf(op)
  return n
}
