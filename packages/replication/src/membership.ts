import {
  Problems, realScheduler, vvEntries, vvGet,
  type Cancellable, type Logger, type NodeId, type Scheduler, type VersionVector
} from '@swarmkv/core'
import type { Engine } from '@swarmkv/storage'

/** How often the log is compacted by default: `--compact-interval`'s default. */
export const DEFAULT_COMPACT_INTERVAL_MS = 60_000

export interface MembershipOptions {
  readonly engine: Engine
  /**
   * A node that runs alone (no replication): a membership of one. Nothing else needs its log, so
   * compaction drops everything applied, and the members persisted by an earlier replicated run
   * are neither read nor overwritten (they are there again when it rejoins). Default false.
   */
  readonly alone?: boolean
  /** How often `start()` compacts, ms. Default DEFAULT_COMPACT_INTERVAL_MS; 0 turns periodic compaction off. */
  readonly compactIntervalMs?: number | undefined
  /** Time for the periodic schedule. Default realScheduler. */
  readonly scheduler?: Scheduler
  /** Where a compaction is logged ('log compacted', 'member forgotten'). Default: silent. */
  readonly log?: Logger
  /** Where a failed periodic compaction or member write is logged and counted. Default: one of its own over `log`. */
  readonly problems?: Problems
}

/** What compaction has done since the process started (/metrics). */
export interface CompactionStats {
  compactions: number
  tombstonesCollected: number
}

/**
 * The one home of the compaction policy (SPEC §4, DESIGN §4 "Compaction"): the known members and
 * the applied vector each last acknowledged, persisted through the engine; the stable vector (what
 * this node and every member have applied); and compaction to it, run on a schedule or on demand
 * (POST /admin/compact). The replicator tells it what members have applied; the admin route and
 * the CLI call it; none of them computes a floor. A standalone node has one too, with `alone`.
 */
export class Membership {
  readonly stats: CompactionStats = { compactions: 0, tombstonesCollected: 0 }
  private readonly engine: Engine
  private readonly scheduler: Scheduler
  private readonly log: Logger
  private readonly problems: Problems
  private readonly members = new Map<NodeId, VersionVector>()
  private readonly forgetListeners: Array<(id: NodeId) => void> = []
  private opened: Promise<void> | undefined
  private timer: Cancellable | undefined
  private running: Promise<unknown> | undefined
  private stopped = false

  constructor(private readonly opts: MembershipOptions) {
    this.engine = opts.engine
    this.scheduler = opts.scheduler ?? realScheduler
    this.log = opts.log ?? opts.problems?.log ?? new Problems().log
    this.problems = opts.problems ?? new Problems(this.log)
  }

  /** Reads the persisted members (once; later calls wait for the same read). */
  open(): Promise<void> {
    this.opened ??= (async () => {
      if (this.opts.alone === true) return
      for (const [id, vv] of await this.engine.readMembers()) this.members.set(id, vv)
    })()
    return this.opened
  }

  /** Known members: every node that said hello and was not forgotten (0 for a node alone). */
  get size(): number { return this.members.size }

  /** The applied vectors the members last acknowledged. */
  vectors(): VersionVector[] { return [...this.members.values()] }

  /**
   * Notes what a peer has applied (its hello or an ack). A new member is persisted at once: from
   * then on it holds compaction back, across restarts too. True when it was new.
   */
  noteApplied(id: NodeId, applied: VersionVector): boolean {
    const isNew = !this.members.has(id)
    this.members.set(id, applied)
    if (isNew && this.opts.alone !== true) {
      void this.engine.writeMembers(this.members).catch(this.problems.catcher('members-write', 'persisting a new member failed'))
    }
    return isNew
  }

  /** Stops waiting for a member that left for good; false when it was not a member. */
  async forget(id: NodeId): Promise<boolean> {
    const had = this.members.delete(id)
    if (this.opts.alone !== true) await this.engine.writeMembers(this.members)
    for (const l of this.forgetListeners) l(id)
    if (had) this.log.info({ member: id }, 'member forgotten')
    return had
  }

  /** Called with each member forgotten (the replicator drops what it kept of the peer). */
  onForget(listener: (id: NodeId) => void): void {
    this.forgetListeners.push(listener)
  }

  /** Per origin, the seq that this node and every known member have applied: what may be compacted and collected. */
  stable(): VersionVector {
    const floor: Record<string, number> = {}
    for (const [origin, have] of vvEntries(this.engine.applied)) {
      let f = have
      for (const m of this.members.values()) f = Math.min(f, vvGet(m, origin))
      if (f > 0) floor[origin] = f
    }
    return floor
  }

  /**
   * Drops the log's ops every member has applied and collects the tombstones they all have seen
   * (a peer that later needs a dropped op gets a state transfer); resolves with the new floor.
   */
  compactOnce(): Promise<VersionVector> {
    const run = this.compact()
    this.running = run.catch(() => undefined)
    return run
  }

  /** Compacts every `compactIntervalMs` until stop(); a failed round is logged and counted, the next one still runs. */
  start(): void {
    const every = this.opts.compactIntervalMs ?? DEFAULT_COMPACT_INTERVAL_MS
    if (every <= 0 || this.stopped || this.timer !== undefined) return
    this.timer = this.scheduler.setTimeout(() => {
      this.timer = undefined
      this.compactOnce().catch(this.problems.catcher('compaction', 'periodic compaction failed')).finally(() => this.start())
    }, every)
  }

  /** Ends the schedule and waits for a compaction under way. */
  async stop(): Promise<void> {
    this.stopped = true
    this.timer?.cancel()
    this.timer = undefined
    await this.running
  }

  private async compact(): Promise<VersionVector> {
    await this.open()
    const floor = this.stable()
    if (this.opts.alone !== true) await this.engine.writeMembers(this.members)
    const before = this.engine.floor
    const done = await this.engine.compact(floor)
    const collected = await this.engine.collectTombstones(floor)
    this.stats.tombstonesCollected += collected
    this.stats.compactions++
    let dropped = 0
    for (const [o, f] of vvEntries(done)) dropped += f - vvGet(before, o)
    this.log.info({ droppedOps: dropped, floor: done, tombstonesCollected: collected, members: this.members.size }, 'log compacted')
    return done
  }
}
