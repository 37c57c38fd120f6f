import { vvEntries, vvGet, type NodeId, type VersionVector } from '@swarmkv/core'
import type { CommitTimes } from './commit-times.js'

/** How far a peer is behind this node (the sending side). */
export interface PeerLag {
  /** Ops this node has applied that the peer has not acknowledged. */
  readonly ops: number
  /**
   * How long ago, on this node's clock, the oldest op the peer lacks was committed here, ms.
   * 0 when the peer lacks nothing; null when that op's commit time is not known (it was committed
   * before this process started).
   */
  readonly ms: number | null
}

/** The lag of a peer whose last known applied vector is `peer`, against `applied` here. */
export function peerLag(applied: VersionVector, peer: VersionVector, times: CommitTimes, now: number): PeerLag {
  let ops = 0
  let oldest: number | undefined
  let unknown = false
  for (const [origin, have] of vvEntries(applied)) {
    const theirs = vvGet(peer, origin)
    if (theirs >= have) continue
    ops += have - theirs
    const at = times.committedAt(origin, theirs + 1)
    if (at === undefined) unknown = true
    else if (oldest === undefined || at < oldest) oldest = at
  }
  if (ops === 0) return { ops: 0, ms: 0 }
  return { ops, ms: unknown || oldest === undefined ? null : Math.max(0, now - oldest) }
}

/** How far this node is behind one origin (the receiving side). */
export interface Behind {
  readonly origin: NodeId
  /** Ops of `origin` a connected peer has acknowledged and this node has not applied; null with no peer connected. */
  readonly ops: number | null
}

/**
 * For each origin this node or any peer knows of, how many of its ops the connected peers have
 * and this node lacks. With no peer connected nothing is known (every count is null): the
 * origins may have written since.
 */
export function behindOrigins(applied: VersionVector, connected: readonly VersionVector[], everSeen: readonly VersionVector[]): Behind[] {
  const origins = new Set<NodeId>()
  for (const v of [applied, ...connected, ...everSeen]) for (const [o] of vvEntries(v)) origins.add(o)
  const out: Behind[] = []
  for (const origin of [...origins].sort()) {
    if (connected.length === 0) { out.push({ origin, ops: null }); continue }
    let most = vvGet(applied, origin)
    for (const v of connected) most = Math.max(most, vvGet(v, origin))
    out.push({ origin, ops: most - vvGet(applied, origin) })
  }
  return out
}
