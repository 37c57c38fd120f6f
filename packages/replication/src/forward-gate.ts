import type { NodeId, Seq } from '@swarmkv/core'

/**
 * Holds back the forwarding of other origins' ops for a short delay. In a connected cluster each
 * peer gets an origin's ops straight from it, and acks them within milliseconds; forwarding at
 * once would send every op to every peer a second time (measured: 1.7 duplicates per new op on
 * each master of a 2 masters + 1 replica cluster). After the delay a peer that acked them gets
 * nothing, and one that cannot reach the origin still gets them, only that much later.
 */
export class ForwardGate {
  /** Per origin, in seq order: the first seq of each commit not yet old enough, and when it landed. */
  private readonly pending = new Map<NodeId, Array<{ first: Seq; at: number }>>()

  constructor(private readonly delayMs: number, private readonly now: () => number) {}

  /** Ops of `origin` from `first` on were committed here just now. */
  committed(origin: NodeId, first: Seq): void {
    let q = this.pending.get(origin)
    if (q === undefined) this.pending.set(origin, (q = []))
    q.push({ first, at: this.now() })
  }

  /** The last seq of `origin` that may be forwarded now, given that this node has up to `applied`. */
  limit(origin: NodeId, applied: Seq): Seq {
    const q = this.prune(origin)
    return q === undefined ? applied : Math.min(applied, q[0]!.first - 1)
  }

  /** When the oldest held op becomes forwardable, or undefined when nothing is held. */
  nextAt(): number | undefined {
    let next: number | undefined
    for (const origin of [...this.pending.keys()]) {
      const q = this.prune(origin)
      if (q !== undefined && (next === undefined || q[0]!.at + this.delayMs < next)) next = q[0]!.at + this.delayMs
    }
    return next
  }

  /** Drops the commits old enough to forward; the origin's queue if any remain. */
  private prune(origin: NodeId): Array<{ first: Seq; at: number }> | undefined {
    const q = this.pending.get(origin)
    if (q === undefined) return undefined
    const ripe = this.now() - this.delayMs
    let i = 0
    while (i < q.length && q[i]!.at <= ripe) i++
    if (i > 0) q.splice(0, i)
    if (q.length > 0) return q
    this.pending.delete(origin)
    return undefined
  }
}
