/**
 * The bytes every watcher of a node holds together (queued events and unsent socket bytes). Each
 * watcher is capped on its own (WatchOptions.maxBufferedBytes), but their number is not: without
 * a shared budget, N slow watchers held N times the cap. Past the budget the watcher holding the
 * most is the one to cut off: it is the furthest behind, and one that only passed through a
 * short burst keeps its stream.
 */
export class FeedBudget<W> {
  private readonly held = new Map<W, number>()
  private total = 0

  constructor(readonly maxBytes: number) {}

  /** `who` holds `bytes` now. Returns the watcher to cut off when the total is over budget. */
  hold(who: W, bytes: number): W | undefined {
    this.total += bytes - (this.held.get(who) ?? 0)
    this.held.set(who, bytes)
    if (this.total <= this.maxBytes) return undefined
    let largest: W | undefined
    let most = -1
    for (const [w, b] of this.held) if (b > most) { most = b; largest = w }
    return largest
  }

  /** `who` is gone: what it held is free. */
  release(who: W): void {
    this.total -= this.held.get(who) ?? 0
    this.held.delete(who)
  }

  get bytes(): number { return this.total }
}
