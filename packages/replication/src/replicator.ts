import { Problems, realScheduler, vvGet, type Cancellable, type Dot, type Logger, type NodeId, type Op, type Scheduler, type Seq, type VersionVector } from '@swarmkv/core'
import type { Engine } from '@swarmkv/storage'
import type { FramedConnection, Transport } from './connection.js'
import { RecentOps } from './recent-ops.js'
import { ForwardGate } from './forward-gate.js'
import { PeerSession, type LocalInfo } from './session.js'
import { newStats, type ReplicationStats } from './stats.js'
import { CommitTimes } from './commit-times.js'
import type { Membership } from './membership.js'
import { behindOrigins, peerLag, type Behind } from './lag.js'
import { goneInfo, liveInfo, type GonePeer, type PeerInfo } from './peer-info.js'

export interface ReplicatorOptions {
  readonly engine: Engine
  readonly transport: Transport
  readonly secret: string
  /** This node's role, region and advertised URL, read at each handshake. */
  readonly local: () => LocalInfo
  /**
   * The known members and the compaction policy (membership.ts): the replicator tells it what
   * each peer has applied; compaction is its business, run by the composition root.
   */
  readonly membership: Membership
  readonly scheduler?: Scheduler
  /** Byte budget of the in-memory recent-ops buffer (heldBytesOf). Default DEFAULT_RECENT_OPS_BYTES, 16 MiB. */
  readonly recentOpsBytes?: number
  /** Per session, received ops not yet applied before the connection pauses. Default DEFAULT_RECEIVE_WINDOW (8,192 ops, 16 MiB). */
  readonly receiveWindow?: { readonly ops: number; readonly bytes: number }
  /** How long ops of other origins wait before being forwarded to a peer (ForwardGate). Default 200 ms. */
  readonly forwardDelayMs?: number
  /** Byte budget of the commit-time samples lag ages are measured from (CommitTimes). Default 1 MiB. */
  readonly commitTimesBytes?: number
  /** Replication events go here (peer connected and lost, failures, state transfers, compactions). Default: silent. */
  readonly log?: Logger
  /** Where background errors are logged and counted. Default: one of its own over `log`. */
  readonly problems?: Problems
  /** Protocol versions offered. Default VERSIONS (wire.ts); a test offers [1] to stand for an older node. */
  readonly protocolVersions?: readonly number[]
}

const DEFAULT_FORWARD_DELAY_MS = 200

interface ReplicationWaiter {
  dots: readonly Dot[]
  count: number
  resolve: (r: { ok: boolean; count: number }) => void
  timer: Cancellable
}

/**
 * Runs a node's replication: accepts connections from the transport, keeps one session per
 * peer, feeds every session the ops committed here (local or forwarded), and answers the
 * cluster questions the HTTP layer asks (peers, lag, how many nodes have a write).
 */
export class Replicator {
  readonly stats: ReplicationStats = newStats()
  private readonly engine: Engine
  private readonly scheduler: Scheduler
  private readonly recent: RecentOps
  private readonly sessions = new Set<PeerSession>()
  /** The live session per peer, and what was last known of peers that went away. */
  private readonly byPeer = new Map<NodeId, PeerSession>()
  private readonly lastSeen = new Map<NodeId, GonePeer>()
  /** When each ready session became ready: wall time for /cluster's `since`, monotonic for durations. */
  private readonly readySince = new Map<PeerSession, { wall: number; mono: number }>()
  private readonly commitTimes: CommitTimes
  private readonly log: Logger
  private readonly problems: Problems
  private readonly waiters = new Set<ReplicationWaiter>()
  private unsubscribe: (() => void) | undefined
  private stopped = false
  private readonly membership: Membership
  private readonly gate: ForwardGate
  private forwardTimer: Cancellable | undefined

  constructor(private readonly opts: ReplicatorOptions) {
    this.engine = opts.engine
    this.membership = opts.membership
    this.scheduler = opts.scheduler ?? realScheduler
    this.recent = new RecentOps(opts.recentOpsBytes)
    this.gate = new ForwardGate(opts.forwardDelayMs ?? DEFAULT_FORWARD_DELAY_MS, () => this.scheduler.now())
    this.commitTimes = new CommitTimes(opts.commitTimesBytes)
    this.log = opts.log ?? opts.problems?.log ?? new Problems().log
    this.problems = opts.problems ?? new Problems(this.log)
    this.membership.onForget((id) => this.lastSeen.delete(id))
  }

  async start(): Promise<void> {
    await this.membership.open()
    this.unsubscribe = this.engine.onCommit((ops) => this.onCommit(ops))
    await this.opts.transport.start((conn) => this.onConnection(conn))
  }

  async stop(): Promise<void> {
    this.stopped = true
    this.forwardTimer?.cancel()
    this.unsubscribe?.()
    for (const w of this.waiters) { w.timer.cancel(); w.resolve({ ok: false, count: this.countHaving(w.dots) }) }
    this.waiters.clear()
    for (const s of [...this.sessions]) s.close()
    await this.opts.transport.stop()
  }

  joined(): boolean {
    return this.opts.transport.joined()
  }

  /** Peers with a live session first, then those seen before and now gone; lag as of now. */
  peers(): PeerInfo[] {
    const out: PeerInfo[] = []
    for (const s of this.byPeer.values()) if (s.ready) out.push(this.infoOf(s))
    for (const [id, gone] of this.lastSeen) if (!this.byPeer.has(id)) out.push(goneInfo(id, gone, this.engine.applied, this.commitTimes, this.scheduler.now()))
    return out
  }

  /** How far this node is behind each origin it knows of (the receiving side, lag.ts). */
  behind(): Behind[] {
    const connected: VersionVector[] = []
    for (const s of this.byPeer.values()) if (s.ready) connected.push(s.peerApplied)
    return behindOrigins(this.engine.applied, connected, this.membership.vectors())
  }

  /** Tells every peer about a role or read-only change at once; new peers learn it at the handshake. */
  announceMode(): void {
    const { role, readOnly } = this.opts.local()
    for (const s of this.byPeer.values()) s.announceMode({ role, readOnly })
  }

  /** Connections the transport's block list refused. */
  rejectedPeers(): number {
    return this.opts.transport.rejectedPeers?.() ?? 0
  }

  /** Commit-time samples held for lag ages (CommitTimes). */
  get commitTimeSamples(): number { return this.commitTimes.size }

  waitReplicated(dots: readonly Dot[], count: number, timeoutMs: number): Promise<{ ok: boolean; count: number }> {
    const have = this.countHaving(dots)
    if (have >= count) return Promise.resolve({ ok: true, count: have })
    return new Promise((resolve) => {
      const w: ReplicationWaiter = {
        dots, count, resolve,
        timer: this.scheduler.setTimeout(() => {
          this.waiters.delete(w)
          resolve({ ok: false, count: this.countHaving(dots) })
        }, timeoutMs)
      }
      this.waiters.add(w)
    })
  }

  private onConnection(conn: FramedConnection): void {
    if (this.stopped) { conn.destroy(); return }
    this.stats.connections++
    const session = new PeerSession(conn, {
      engine: this.engine,
      secret: this.opts.secret,
      local: this.opts.local,
      stats: this.stats,
      scheduler: this.scheduler,
      log: this.log,
      ...(this.opts.protocolVersions !== undefined ? { versions: this.opts.protocolVersions } : {}),
      ...(this.opts.receiveWindow !== undefined ? { receiveWindow: this.opts.receiveWindow } : {}),
      source: { read: (origin, from, limit) => this.read(origin, from, limit) },
      forwardable: (origin) => this.gate.limit(origin, vvGet(this.engine.applied, origin))
    }, {
      onReady: (s) => this.onReady(s),
      onAck: (s) => {
        this.membership.noteApplied(s.nodeId, s.peerApplied)
        this.checkWaiters()
      },
      onClose: (s) => this.onSessionClose(s)
    })
    this.sessions.add(session)
  }

  private onReady(s: PeerSession): void {
    const isNew = this.membership.noteApplied(s.nodeId, s.peerApplied)
    const old = this.byPeer.get(s.nodeId)
    this.byPeer.set(s.nodeId, s)
    this.readySince.set(s, { wall: this.scheduler.wallNow(), mono: this.scheduler.now() })
    const r = s.remote!
    const lag = peerLag(this.engine.applied, s.peerApplied, this.commitTimes, this.scheduler.now())
    this.log.info({ peer: s.nodeId, role: r.role, region: r.region, httpUrl: r.httpUrl, version: s.version, newMember: isNew, lagOps: lag.ops }, 'peer connected')
    // One session per peer: a newer connection replaces an older one.
    if (old !== undefined && old !== s) old.close()
    this.checkWaiters()
  }

  private onSessionClose(s: PeerSession): void {
    this.sessions.delete(s)
    const since = this.readySince.get(s)
    this.readySince.delete(s)
    if (this.byPeer.get(s.nodeId) === s) {
      this.byPeer.delete(s.nodeId)
      if (s.remote !== undefined) {
        this.lastSeen.set(s.nodeId, { remote: s.remote, readOnly: s.remoteReadOnly, applied: s.peerApplied, since: this.scheduler.wallNow() })
        const connectedMs = since === undefined ? null : this.scheduler.now() - since.mono
        if (!this.stopped) this.log.warn({ peer: s.nodeId, role: s.remote.role, region: s.remote.region, connectedMs }, 'peer lost')
      }
    }
  }

  private infoOf(s: PeerSession): PeerInfo {
    return liveInfo(s, this.engine.applied, this.commitTimes, this.scheduler.now(), this.readySince.get(s)?.wall ?? this.scheduler.wallNow())
  }

  private async read(origin: NodeId, from: Seq, limit: number): Promise<Op[]> {
    return this.recent.read(origin, from, limit) ?? this.engine.readLog(origin, from, limit)
  }

  private onCommit(ops: readonly Op[]): void {
    this.recent.append(ops)
    const self = this.engine.nodeId
    const now = this.scheduler.now()
    let last: NodeId | undefined
    for (const op of ops) {
      // A commit holds one contiguous run per origin: its first op marks the run.
      if (op.origin !== last) {
        this.commitTimes.committed(op.origin, op.seq, now)
        if (op.origin !== self) this.gate.committed(op.origin, op.seq)
      }
      last = op.origin
    }
    for (const s of this.byPeer.values()) {
      s.kick()
      s.scheduleAck()
    }
    this.scheduleForwarding()
    this.checkWaiters()
  }

  /** Kicks every session when held ops of other origins become forwardable. */
  private scheduleForwarding(): void {
    if (this.forwardTimer !== undefined || this.stopped) return
    const at = this.gate.nextAt()
    if (at === undefined) return
    this.forwardTimer = this.scheduler.setTimeout(() => {
      this.forwardTimer = undefined
      for (const s of this.byPeer.values()) s.kick()
      this.scheduleForwarding()
    }, Math.max(1, at - this.scheduler.now()))
  }

  private countHaving(dots: readonly Dot[]): number {
    const has = (applied: Readonly<Record<string, number>>) => dots.every((d) => vvGet(applied, d.origin) >= d.seq)
    let n = has(this.engine.applied) ? 1 : 0
    for (const s of this.byPeer.values()) if (s.ready && has(s.peerApplied)) n++
    return n
  }

  private checkWaiters(): void {
    for (const w of this.waiters) {
      const n = this.countHaving(w.dots)
      if (n >= w.count) {
        w.timer.cancel()
        this.waiters.delete(w)
        w.resolve({ ok: true, count: n })
      }
    }
  }
}

