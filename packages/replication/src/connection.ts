/**
 * What a session needs from a connection: an encrypted, message-framed duplex stream (Hyperswarm's
 * NoiseSecretStream, or the in-memory one) plus the facts of its handshake.
 */
export interface FramedConnection {
  /** The Noise handshake hash: the same on both ends, fresh for every connection. */
  readonly handshakeHash: Uint8Array
  readonly publicKey: Uint8Array
  readonly remotePublicKey: Uint8Array
  readonly destroyed: boolean
  write(frame: Uint8Array): boolean
  pause(): unknown
  resume(): unknown
  destroy(err?: Error): void
  on(event: 'error', listener: (err: Error) => void): unknown
  on(event: 'close', listener: () => void): unknown
  on(event: 'data', listener: (frame: Uint8Array) => void): unknown
}

/** Where connections come from: Hyperswarm in production, an in-memory network in tests. */
export interface Transport {
  start(onConnection: (conn: FramedConnection) => void): Promise<void>
  stop(): Promise<void>
  /** True once the node has announced itself and looked up its peers at least once. */
  joined(): boolean
  /** Connections refused by a block list so far, where the transport has one. */
  rejectedPeers?(): number
}
