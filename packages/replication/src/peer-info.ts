import type { NodeId, VersionVector } from '@swarmkv/core'
import type { CommitTimes } from './commit-times.js'
import { peerLag } from './lag.js'
import type { PeerSession } from './session.js'
import type { TransferProgress } from './transfer-tracker.js'
import type { HelloMessage, WireRole } from './wire.js'

/** A connected peer this many ops behind is catching up (a backlog streams, not a trickle). */
export const CATCHING_UP_OPS = 1024

export interface PeerInfo {
  readonly nodeId: NodeId
  readonly role: WireRole
  readonly region: string
  readonly httpUrl: string
  readonly connected: boolean
  /** The peer's read-only switch; null when it never said (a v1 peer). */
  readonly readOnly: boolean | null
  readonly applied: Readonly<Record<string, number>>
  /** Ops applied here the peer has not acknowledged (lag.ts). */
  readonly lagOps: number
  /** Age on this node's clock of the oldest op the peer lacks, ms; 0 caught up; null unknown. */
  readonly lagMs: number | null
  /** A state transfer or a backlog of at least CATCHING_UP_OPS is streaming to or from it. */
  readonly catchingUp: boolean
  /** The state transfer under way with it, if any. */
  readonly transfer: Readonly<TransferProgress> | null
  /** When the session was established, or when it was lost (this node's clock, ms since the epoch). */
  readonly since: number
}

/** What is kept of a peer once its session has gone. */
export interface GonePeer {
  readonly remote: HelloMessage
  readonly readOnly: boolean | null
  readonly applied: VersionVector
  readonly since: number
}

/** A peer with a live session, its lag as of `now` (monotonic ms); `since` is wall time. */
export function liveInfo(s: PeerSession, applied: VersionVector, times: CommitTimes, now: number, since: number): PeerInfo {
  const r = s.remote!
  const lag = peerLag(applied, s.peerApplied, times, now)
  return {
    nodeId: s.nodeId, role: r.role, region: r.region, httpUrl: r.httpUrl, connected: true, readOnly: s.remoteReadOnly,
    applied: s.peerApplied, lagOps: lag.ops, lagMs: lag.ms,
    catchingUp: s.transfers.current !== undefined || lag.ops >= CATCHING_UP_OPS,
    transfer: s.transfers.current === undefined ? null : { ...s.transfers.current },
    since
  }
}

/** A peer that went away: its last acknowledged vector against what this node has now, so the lag keeps growing. */
export function goneInfo(id: NodeId, g: GonePeer, applied: VersionVector, times: CommitTimes, now: number): PeerInfo {
  const lag = peerLag(applied, g.applied, times, now)
  return {
    nodeId: id, role: g.remote.role, region: g.remote.region, httpUrl: g.remote.httpUrl, connected: false, readOnly: g.readOnly,
    applied: g.applied, lagOps: lag.ops, lagMs: lag.ms, catchingUp: false, transfer: null, since: g.since
  }
}
