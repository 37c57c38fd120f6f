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
  /** Key states and bytes of finished state transfers, both directions. */
  stateTransferKeys: number
  stateTransferBytes: number
  /** Sessions closed by an error that is neither the peer's protocol fault nor a failed proof (a bug or a local failure). */
  sessionErrors: number
  /** Stream errors (a peer going away resets its stream). */
  streamErrors: number
}

export function newStats(): ReplicationStats {
  return { opsSent: 0, opsReceived: 0, authFailures: 0, malformedMessages: 0, protocolErrors: 0, connections: 0, logGaps: 0, stateTransfersSent: 0, stateTransfersReceived: 0,
    stateTransferKeys: 0, stateTransferBytes: 0, sessionErrors: 0, streamErrors: 0 }
}
