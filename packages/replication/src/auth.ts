import { createHash, createHmac, timingSafeEqual } from 'node:crypto'

/** The swarm topic: only nodes that know both the cluster name and its secret look it up. */
export function topicFor(cluster: string, secret: string): Buffer {
  return createHash('sha256').update('swarmkv/topic/v1\0').update(cluster).update('\0').update(secret).digest()
}

function authKey(secret: string): Buffer {
  return createHash('sha256').update('swarmkv/auth/v1\0').update(secret).digest()
}

/**
 * Proof that the sender knows the cluster secret, bound to this connection (the Noise handshake
 * hash, fresh for every connection) and to the sender's own key, so it can be neither replayed
 * on another connection nor reflected back by the other side.
 */
export function authProof(secret: string, handshakeHash: Uint8Array, proverPublicKey: Uint8Array): Buffer {
  return createHmac('sha256', authKey(secret)).update(handshakeHash).update(proverPublicKey).digest()
}

export function verifyProof(secret: string, handshakeHash: Uint8Array, proverPublicKey: Uint8Array, proof: Uint8Array): boolean {
  const expected = authProof(secret, handshakeHash, proverPublicKey)
  return proof.byteLength === expected.byteLength && timingSafeEqual(expected, proof)
}
