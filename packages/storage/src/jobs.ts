import type { Op, Preconditions, RegisterState, VersionVector } from '@swarmkv/core'
import type { DocRecord } from './store.js'
import type { DocMutation, DocResult, LocalWrite, StateTransfer, WriteResult } from './types.js'

/**
 * A job is one request to the single writer. Jobs are merged into a batch (batch.ts), and a
 * batch is committed by one store write (commit.ts), which the writer's loop starts (group-commit.ts).
 */
export type Job =
  | { kind: 'local'; writes: readonly LocalWrite[]; resolve: (r: WriteResult[]) => void; reject: (e: unknown) => void }
  | { kind: 'remote'; ops: readonly Op[]; resolve: (n: number) => void; reject: (e: unknown) => void }
  | { kind: 'doc'; key: string; mutate: DocMutation; preconditions: Preconditions | undefined; resolve: (r: DocResult) => void; reject: (e: unknown) => void }
  | { kind: 'state'; registers: ReadonlyArray<readonly [string, RegisterState]>; docs: ReadonlyArray<readonly [string, DocRecord]>; resolve: (n: number) => void; reject: (e: unknown) => void }
  | { kind: 'stateEnd'; applied: VersionVector; transfer: StateTransfer; resolve: () => void; reject: (e: unknown) => void }
  | { kind: 'compact'; floor: VersionVector; resolve: (floor: VersionVector) => void; reject: (e: unknown) => void }
  | { kind: 'gc'; keys: readonly string[]; stable: VersionVector; resolve: (n: number) => void; reject: (e: unknown) => void }
  /** Writes every materialised state and the marker; `resolve` runs synchronously once it landed. */
  | { kind: 'checkpoint'; resolve: () => void; reject: (e: unknown) => void }

export type JobKind = Job['kind']

/** The keys a job reads: registers and documents. */
export function keysOf(job: Job, regs: Set<string>, docs: Set<string>): void {
  switch (job.kind) {
    case 'local': for (const w of job.writes) regs.add(w.key); break
    case 'doc': docs.add(job.key); break
    case 'remote': for (const op of job.ops) (op.kind === 'reg' ? regs : docs).add(op.key); break
    case 'state':
      for (const [k] of job.registers) regs.add(k)
      for (const [k] of job.docs) docs.add(k)
      break
    case 'gc': for (const k of job.keys) regs.add(k); break
    case 'stateEnd': case 'compact': case 'checkpoint': break
  }
}

/**
 * Jobs that change state without ops in the log (or move the floor): a log replay could not
 * redo them, so their batch commits as a checkpoint (states and marker in one store write).
 */
export function changesWithoutOps(job: Job): boolean {
  switch (job.kind) {
    case 'state': case 'stateEnd': case 'compact': case 'gc': case 'checkpoint': return true
    case 'local': case 'remote': case 'doc': return false
  }
}
