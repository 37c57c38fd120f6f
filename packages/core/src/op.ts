import type { NodeId, Seq } from './ids.js'
import type { Hlc } from './hlc.js'
import type { RegisterWrite } from './register.js'

/**
 * One entry of the replication log: a change made at `origin` with sequence `seq`.
 * Every origin's ops are applied everywhere in seq order; applying one twice changes nothing.
 */
export type Op = RegisterOp | DocOp

interface OpBase {
  readonly origin: NodeId
  readonly seq: Seq
  readonly hlc: Hlc
  readonly key: string
}

export interface RegisterOp extends OpBase {
  readonly kind: 'reg'
  readonly write: RegisterWrite
}

/** A document change: Automerge change bytes, applied with `applyChanges` (idempotent). */
export interface DocOp extends OpBase {
  readonly kind: 'doc'
  readonly changes: readonly Uint8Array[]
}
