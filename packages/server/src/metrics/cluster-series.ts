import { Counter, Gauge, type Registry } from 'prom-client'
import type { ClusterView, PeerView, ReplicationCounters } from '../options.js'

const PEER_LABELS = ['peer', 'role', 'region'] as const
type PeerLabel = typeof PEER_LABELS[number]

/**
 * Replication's series: per peer (labelled peer, role, region; a peer that went away keeps its
 * series, connected 0, with its lag still growing), the receiving side per origin, state
 * transfers, and the counters. Every value is read from the replicator at scrape time; the
 * per-peer series are rebuilt each scrape, so a role change leaves no stale series behind.
 */
export function registerClusterSeries(registry: Registry, cluster: ClusterView): void {
  const registers = [registry]
  const perPeer = (name: string, help: string, value: (p: PeerView) => number | null) => new Gauge<PeerLabel>({
    name, help, labelNames: PEER_LABELS, registers,
    collect() {
      this.reset()
      for (const p of cluster.peers()) {
        const v = value(p)
        // Unknown is left out, never shown as 0 (or NaN).
        if (v !== null) this.set({ peer: p.nodeId, role: p.role, region: p.region }, v)
      }
    }
  })
  perPeer('swarmkv_peer_connected', 'Whether a replication session with the peer is up (peers seen since this node started).', (p) => p.connected ? 1 : 0)
  perPeer('swarmkv_peer_lag_ops', 'Ops this node applied that the peer has not acknowledged (grows while the peer is away).', (p) => p.lagOps)
  perPeer('swarmkv_peer_lag_seconds', 'How long ago, on this node\'s clock, the oldest write the peer lacks was committed here; 0 caught up; absent when unknown.',
    (p) => p.lagMs === null ? null : p.lagMs / 1000)
  perPeer('swarmkv_peer_read_only', 'Whether the peer refuses writes, as it announced; absent when it never said.', (p) => p.readOnly === null ? null : p.readOnly ? 1 : 0)
  perPeer('swarmkv_peer_catching_up', 'Whether a state transfer or a large backlog is streaming to or from the peer.', (p) => p.catchingUp ? 1 : 0)

  new Gauge({
    name: 'swarmkv_behind_ops', help: 'Receiving side: ops of each origin a connected peer has and this node has not applied; absent with no peer connected.',
    labelNames: ['origin'], registers,
    collect() {
      this.reset()
      for (const b of cluster.behind()) if (b.ops !== null) this.set({ origin: b.origin }, b.ops)
    }
  })

  const transfers = (name: string, help: string, value: (t: NonNullable<PeerView['transfer']>) => number) => new Gauge({
    name, help, labelNames: ['direction'], registers,
    collect() {
      const sum = { sending: 0, receiving: 0 }
      for (const p of cluster.peers()) if (p.transfer !== null) sum[p.transfer.direction] += value(p.transfer)
      this.set({ direction: 'sending' }, sum.sending)
      this.set({ direction: 'receiving' }, sum.receiving)
    }
  })
  transfers('swarmkv_state_transfers_in_progress', 'State transfers under way, by direction.', () => 1)
  transfers('swarmkv_state_transfer_progress_bytes', 'Bytes of key states the state transfers under way have moved so far.', (t) => t.bytes)
  transfers('swarmkv_state_transfer_progress_keys', 'Key states the state transfers under way have moved so far.', (t) => t.keys)

  new Gauge({
    name: 'swarmkv_peers_connected', help: 'Peers with a replication session up.', registers,
    collect() { this.set(cluster.peers().filter((p) => p.connected).length) }
  })

  const counter = (name: string, help: string, read: (s: ReplicationCounters) => number) => new Counter({
    name, help, registers, collect() { this.reset(); this.inc(read(cluster.stats)) }
  })
  counter('swarmkv_replication_ops_sent_total', 'Ops sent to peers.', (s) => s.opsSent)
  counter('swarmkv_replication_ops_received_total', 'Ops received from peers (duplicates included).', (s) => s.opsReceived)
  counter('swarmkv_replication_auth_failures_total', 'Connections that failed the cluster-secret proof (dropped).', (s) => s.authFailures)
  counter('swarmkv_replication_malformed_messages_total', 'Undecodable or oversized replication messages (connection closed).', (s) => s.malformedMessages)
  counter('swarmkv_replication_protocol_errors_total', 'Replication messages out of order or unappliable (connection closed).', (s) => s.protocolErrors)
  counter('swarmkv_replication_session_errors_total', 'Sessions closed by a local failure (not the peer\'s fault); each is logged as an error.', (s) => s.sessionErrors)
  counter('swarmkv_replication_stream_errors_total', 'Replication stream errors (a peer going away resets its stream).', (s) => s.streamErrors)
  counter('swarmkv_replication_connections_total', 'Replication connections accepted or made.', (s) => s.connections)
  counter('swarmkv_replication_log_gaps_total', 'Times an op a peer needed was missing from the log (never expected).', (s) => s.logGaps)
  counter('swarmkv_replication_state_transfers_sent_total', 'State transfers sent (to peers needing ops compacted away).', (s) => s.stateTransfersSent)
  counter('swarmkv_replication_state_transfers_received_total', 'State transfers received.', (s) => s.stateTransfersReceived)
  counter('swarmkv_replication_state_transfer_bytes_total', 'Bytes of key states moved by finished state transfers, both directions.', (s) => s.stateTransferBytes)
  counter('swarmkv_replication_state_transfer_keys_total', 'Key states moved by finished state transfers, both directions.', (s) => s.stateTransferKeys)
  new Counter({ name: 'swarmkv_rejected_peers_total', help: 'Connections refused by the block list (--block-peer).', registers, collect() { this.reset(); this.inc(cluster.rejectedPeers()) } })
}
