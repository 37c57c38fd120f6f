import { SwarmError, etagOf, evaluatePreconditions, isLive, type NodeId, type Preconditions, type RegisterState, type Seq, type VersionVector } from '@swarmkv/core'

/** A key has a current representation while it has a live sibling; its ETag names its state. */
export function registerEtag(cur: RegisterState): string | null {
  return isLive(cur) ? etagOf(cur.context) : null
}

/** If-Match / If-None-Match against the key's state when the write is merged; throws 412. */
export function checkPreconditions(p: Preconditions | undefined, cur: RegisterState): void {
  if (p === undefined) return
  const etag = registerEtag(cur)
  if (evaluatePreconditions(p, etag, false) !== 'proceed') throw SwarmError.preconditionFailed(etag)
}

/**
 * A client context can only cover what this node has applied: an entry beyond that (a context
 * from a node further ahead, or a forged one) would silently supersede writes nobody here has
 * seen. Clamping turns such writes into visible siblings instead of losing them.
 */
export function clampContext(ctx: VersionVector, applied: Readonly<Record<string, Seq>>, self: NodeId, selfSeq: Seq): VersionVector {
  const out: Record<string, Seq> = {}
  for (const o in ctx) {
    const s = ctx[o as NodeId]!
    const max = o === self ? selfSeq : (applied[o] ?? 0)
    const v = Math.min(s, max)
    if (v > 0) out[o] = v
  }
  return out
}
