import { formatVV, parseVV, vvEntries, vvGet, type NodeId, type Seq, type VersionVector } from '@swarmkv/core'

/**
 * Event ids of GET /watch are resume points: the vector of ops (per origin, every seq up to the
 * entry) the stream has passed when it sends the event. Every node applies each origin's ops in
 * seq order, so "everything of origin o up to seq s" is a prefix and one number per origin
 * says exactly what a watcher has been shown. Dots are global, so an id from one node resumes
 * on another too: ops the new node lacks still arrive later, and ops at or below the id are
 * skipped wherever they come from.
 */
export type ResumePoint = VersionVector

/** The `id:` of an event. `0` stands for the empty vector: an empty id would clear the client's. */
export function formatResumePoint(p: ResumePoint): string {
  const text = formatVV(p)
  return text === '' ? '0' : text
}

/** Parses a Last-Event-ID or ?after=; undefined when it is not a resume point. */
export function parseResumePoint(text: string): ResumePoint | undefined {
  const t = text.trim()
  return t === '0' ? {} : t === '' ? undefined : parseVV(t)
}

/** One origin's ops to replay: seqs in (after, upTo]. */
export interface ReplayRange {
  readonly origin: NodeId
  readonly after: Seq
  readonly upTo: Seq
}

export type ResumePlan =
  | { readonly kind: 'replay'; readonly ranges: readonly ReplayRange[] }
  /** Some op the watcher has not seen is gone from the log (compacted, or came as state). */
  | { readonly kind: 'reset'; readonly origins: readonly NodeId[] }

/**
 * What resuming from `from` takes on a node that has applied `applied` and whose log holds,
 * per origin, only the ops above `floor`. The watcher needs (from[o], applied[o]] of every
 * origin; the log has them when from[o] >= floor[o]. Origins where the watcher is ahead of this
 * node need nothing now: their ops arrive live and the ones it saw are skipped.
 */
export function planResume(from: ResumePoint, applied: VersionVector, floor: VersionVector): ResumePlan {
  const ranges: ReplayRange[] = []
  const gone: NodeId[] = []
  for (const [origin, upTo] of vvEntries(applied)) {
    const after = vvGet(from, origin)
    if (after >= upTo) continue
    if (after < vvGet(floor, origin)) gone.push(origin)
    else ranges.push({ origin, after, upTo })
  }
  return gone.length > 0 ? { kind: 'reset', origins: gone } : { kind: 'replay', ranges }
}

/**
 * The stream's position: what it has passed. `pass` moves it over one op and says whether the
 * op is new to the watcher (false: it was replayed already, or the resume point covered it).
 */
export class Position {
  private readonly at: Record<string, Seq>

  constructor(start: ResumePoint) {
    this.at = { ...start }
  }

  pass(origin: NodeId, seq: Seq): boolean {
    if (seq <= (this.at[origin] ?? 0)) return false
    this.at[origin] = seq
    return true
  }

  /** Jumps to at least `v` (after a reset: the watcher lists again from there). */
  raise(v: VersionVector): void {
    for (const [o, s] of vvEntries(v)) if (s > (this.at[o] ?? 0)) this.at[o] = s
  }

  get(origin: NodeId): Seq {
    return this.at[origin] ?? 0
  }

  get point(): ResumePoint {
    return { ...this.at }
  }
}
