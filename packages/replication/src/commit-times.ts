import type { NodeId, Seq } from '@swarmkv/core'

/** Bytes one sample costs (a seq and a time, both float64). */
const SAMPLE_BYTES = 16
/** Default byte budget of every origin's samples together: 1 MiB, 65,536 samples. */
export const DEFAULT_COMMIT_TIMES_BYTES = 1024 * 1024
/** A commit within this many ms of the origin's last sample adds none (the age's resolution). */
export const DEFAULT_SAMPLE_SPACING_MS = 10

/** One origin's samples, in seq order: seq `seqs[i]` was committed here at `times[i]`. */
interface Track {
  seqs: number[]
  times: number[]
  /** Samples are at least this many ms apart. */
  spacing: number
}

/**
 * When each origin's ops were committed on this node, by this node's clock: what a peer's age of
 * lag is measured from (the oldest op the peer lacks, how long ago it landed here). Kept as
 * commit-time samples `(seq, committedAt)`: a commit adds one for its first op of each origin, unless
 * the origin's last sample is younger than the track's spacing. When the byte budget is full,
 * the track with the most samples doubles its spacing and drops the samples that are now
 * too close: the resolution coarsens evenly, and the record keeps reaching back to the start of
 * the process. An op's commit time is taken from the sample at or below its seq, so an age
 * is never understated, and overstated by less than twice the spacing. Ops older than every
 * sample (committed before this process started) have no known time.
 */
export class CommitTimes {
  private readonly tracks = new Map<NodeId, Track>()
  private count = 0
  private readonly maxSamples: number

  constructor(maxBytes: number = DEFAULT_COMMIT_TIMES_BYTES, private readonly spacingMs: number = DEFAULT_SAMPLE_SPACING_MS) {
    this.maxSamples = Math.max(16, Math.floor(maxBytes / SAMPLE_BYTES))
  }

  /** Notes that `origin`'s ops from `seq` on were committed at `now`. */
  committed(origin: NodeId, seq: Seq, now: number): void {
    let t = this.tracks.get(origin)
    if (t === undefined) this.tracks.set(origin, (t = { seqs: [], times: [], spacing: this.spacingMs }))
    const n = t.seqs.length
    if (n > 0 && (seq <= t.seqs[n - 1]! || now - t.times[n - 1]! < t.spacing)) return
    t.seqs.push(seq)
    t.times.push(now)
    this.count++
    while (this.count > this.maxSamples && this.thin()) { /* until within budget */ }
  }

  /** When `origin`'s op `seq` was committed here (at the latest), or undefined when not known. */
  committedAt(origin: NodeId, seq: Seq): number | undefined {
    const t = this.tracks.get(origin)
    if (t === undefined || t.seqs.length === 0 || seq < t.seqs[0]!) return undefined
    // The last sample at or below seq.
    let lo = 0
    let hi = t.seqs.length - 1
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1
      if (t.seqs[mid]! <= seq) lo = mid
      else hi = mid - 1
    }
    return t.times[lo]
  }

  /** The spacing of an origin's samples now, ms: ages of its ops are overstated by less than twice this. */
  resolutionMs(origin: NodeId): number {
    return this.tracks.get(origin)?.spacing ?? this.spacingMs
  }

  /** Samples held, all origins together. */
  get size(): number { return this.count }

  /** Coarsens the biggest track; false when every track is down to its first and last sample. */
  private thin(): boolean {
    let t: Track | undefined
    for (const x of this.tracks.values()) if (t === undefined || x.seqs.length > t.seqs.length) t = x
    if (t === undefined || t.seqs.length <= 2) return false
    t.spacing = Math.max(1, t.spacing * 2)
    const seqs: number[] = []
    const times: number[] = []
    for (let i = 0; i < t.seqs.length; i++) {
      if (times.length > 0 && t.times[i]! - times[times.length - 1]! < t.spacing) continue
      seqs.push(t.seqs[i]!)
      times.push(t.times[i]!)
    }
    this.count -= t.seqs.length - seqs.length
    t.seqs = seqs
    t.times = times
    return true
  }
}
