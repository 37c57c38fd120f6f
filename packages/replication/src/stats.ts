/** Counters exported through /metrics. */
export interface ReplicationStats {
  opsSent: number
  opsReceived: number
  authFailures: number
  malformedMessages: number
  protocolErrors: number
  connections: number
  /** Times an op the peer needed was missing from the log (never expected without compaction). */
  logGaps: number
  stateTransfersSent: number
  stateTransfersReceived: number
  tombstonesCollected: number
}

export function newStats(): ReplicationStats {
  return { opsSent: 0, opsReceived: 0, authFailures: 0, malformedMessages: 0, protocolErrors: 0, connections: 0, logGaps: 0, stateTransfersSent: 0, stateTransfersReceived: 0, tombstonesCollected: 0 }
}
