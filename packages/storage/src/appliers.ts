import {
  Automerge as A, SwarmError, applyWrite, docEtag, isLive, merge,
  type DocOp, type NodeId, type RegisterOp, type Seq
} from '@swarmkv/core'
import { evaluatePreconditions } from '@swarmkv/core'
import { changesWithoutOps, type Job } from './jobs.js'
import type { Batch } from './batch.js'
import { ApplyError } from './types.js'
import { checkPreconditions, clampContext } from './preconditions.js'
import { withoutStableTombstones } from './tombstones.js'

/**
 * The appliers: how each kind of job merges into a batch. Each writes its register changes to
 * `b.scratch` and its ops to `b.jobOps` (Batch.add keeps them only if the job succeeds) and
 * queues its reply in `b.done`.
 */

type JobOf<K extends Job['kind']> = Extract<Job, { kind: K }>

/** Merges one job into the batch, or rejects it and leaves the batch as it was. */
export function mergeJob(b: Batch, job: Job): void {
  b.scratch.clear()
  b.jobOps.length = 0
  try {
    switch (job.kind) {
      case 'local': applyLocal(b, job); break
      case 'remote': applyRemote(b, job); break
      case 'doc': applyDoc(b, job); break
      case 'state': applyState(b, job); break
      case 'stateEnd': applyStateEnd(b, job); break
      case 'compact': applyCompact(b, job); break
      case 'gc': applyGc(b, job); break
      case 'checkpoint': b.metaChanged = true; b.done.push(job.resolve); break
    }
  } catch (err) {
    job.reject(err)
    return
  }
  if (changesWithoutOps(job)) b.checkpoint = true
  b.succeeded.push(job)
  for (const [k, v] of b.scratch) b.overlay.set(k, v)
  for (const op of b.jobOps) b.log.push(op)
}

export function applyLocal(b: Batch, job: JobOf<'local'>): void {
  const { nodeId, clock } = b.ctx
  const writes = job.writes
  let s = b.seq
  const created: boolean[] = []
  for (let i = 0; i < writes.length; i++) {
    const w = writes[i]!
    const cur = b.state(w.key)
    checkPreconditions(w.preconditions, cur)
    // A key written twice in one request reports what its first write found.
    let j = 0
    while (writes[j]!.key !== w.key) j++
    created.push(j === i ? !isLive(cur) : created[j]!)
    const context = w.context === undefined ? cur.context : clampContext(w.context, b.applied, nodeId, s)
    s += 1
    const hlc = clock.tick()
    const op: RegisterOp = {
      kind: 'reg', origin: nodeId, seq: s, hlc, key: w.key,
      write: { context, sibling: { origin: nodeId, seq: s, hlc, value: w.value, contentType: w.contentType, deleted: w.deleted } }
    }
    b.scratch.set(w.key, applyWrite(cur, op.write))
    b.jobOps.push(op)
  }
  // Seqs are taken only once every write of the request was accepted: all or nothing.
  const ops = b.jobOps
  const results = new Array<{ dot: { origin: NodeId; seq: Seq }; created: boolean; state: ReturnType<Batch['state']> }>(ops.length)
  for (let i = 0; i < ops.length; i++) {
    const op = ops[i]!
    b.nextSeq()
    results[i] = { dot: { origin: op.origin, seq: op.seq }, created: created[i]!, state: b.scratch.get(op.key)! }
  }
  b.done.push(() => job.resolve(results))
  b.localOps += ops.length
}

export function applyRemote(b: Batch, job: JobOf<'remote'>): void {
  let ownSeq = 0
  const have: Record<string, Seq> = {}
  for (const op of job.ops) {
    const last = have[op.origin] ?? b.applied[op.origin] ?? 0
    if (op.seq <= last) { b.dups++; continue }
    if (op.seq !== last + 1) throw new ApplyError(`gap in ops of ${op.origin}: have ${last}, got ${op.seq}`)
    b.ctx.clock.observe(op.hlc)
    // This node's own writes coming back: it lost them (restored from an older copy).
    if (op.origin === b.ctx.nodeId) ownSeq = Math.max(ownSeq, op.seq)
    if (op.kind === 'reg') {
      b.scratch.set(op.key, applyWrite(b.state(op.key), op.write))
      b.valueBytes += op.write.sibling.value.byteLength
    } else {
      // Changes whose dependencies have not arrived wait inside the document; the raw bytes
      // are stored too, so they survive a restart. (Should a later op of this job fail, the
      // document keeps these changes: re-applying them when they come again changes nothing.)
      const d = b.docState(op.key)
      d.doc = A.applyChanges(d.doc, [...op.changes])[0]
      for (const c of op.changes) d.changes.push(c)
    }
    have[op.origin] = op.seq
    b.jobOps.push(op)
  }
  Object.assign(b.applied, have)
  b.seq = Math.max(b.seq, ownSeq)
  const n = b.jobOps.length
  b.done.push(() => job.resolve(n))
  b.remoteOps += n
}

export function applyDoc(b: Batch, job: JobOf<'doc'>): void {
  const d = b.docState(job.key)
  if (d.before.bytes > b.ctx.maxDocBytes) {
    throw new SwarmError('DOCUMENT_TOO_LARGE', `document is ${d.before.bytes} bytes stored; the limit is ${b.ctx.maxDocBytes}`)
  }
  const current = docEtag(d.doc)
  if (evaluatePreconditions(job.preconditions, current, false) !== 'proceed') throw SwarmError.preconditionFailed(current)
  const created = current === null
  const hlc = b.ctx.clock.tick()
  // A throwing mutation aborts its change and leaves the document as it was.
  const after = A.change(d.doc, { time: Math.floor(hlc.wall / 1000) }, job.mutate)
  if (after === d.doc) {
    b.done.push(() => job.resolve({ dot: undefined, created: false, etag: current }))
    return
  }
  const change = A.getLastLocalChange(after)!
  const op: DocOp = { kind: 'doc', origin: b.ctx.nodeId, seq: b.nextSeq(), hlc, key: job.key, changes: [change] }
  d.doc = after
  d.changes.push(change)
  b.jobOps.push(op)
  b.localOps++
  const etag = docEtag(after)
  b.done.push(() => job.resolve({ dot: { origin: op.origin, seq: op.seq }, created: created && etag !== null, etag }))
}

export function applyState(b: Batch, job: JobOf<'state'>): void {
  for (const [k, incoming] of job.registers) b.scratch.set(k, merge(b.state(k), incoming))
  for (const [k, rec] of job.docs) {
    const d = b.docState(k)
    const parts = [...(rec.snapshot !== undefined ? [rec.snapshot] : []), ...rec.chunks]
    for (const p of parts) d.doc = A.loadIncremental(d.doc, p)
    d.changes.push(...parts)
  }
  const n = job.registers.length + job.docs.length
  b.metaChanged = true
  b.done.push(() => job.resolve(n))
}

export function applyStateEnd(b: Batch, job: JobOf<'stateEnd'>): void {
  // Chunks are merged in order before their end: a failed one has marked the transfer by now.
  if (job.transfer.failed) throw new Error('a chunk of this state transfer was not applied')
  for (const [o, s] of Object.entries(job.applied) as Array<[NodeId, Seq]>) {
    const had = b.applied[o] ?? 0
    if (s <= had) continue
    // The ops (had, s] of o arrived as state: they are not in this log.
    b.applied[o] = s
    b.clears.push([o, 1, s])
    b.floor[o] = Math.max(b.floor[o] ?? 0, s)
  }
  // A node restored from an older copy of its data learns its own later writes here.
  b.seq = Math.max(b.seq, b.applied[b.ctx.nodeId] ?? 0)
  b.metaChanged = true
  b.done.push(() => job.resolve())
}

export function applyCompact(b: Batch, job: JobOf<'compact'>): void {
  // This batch commits as a checkpoint covering everything applied: nothing the log drops is
  // above it, so the floor may reach `applied`.
  for (const [o, want] of Object.entries(job.floor) as Array<[NodeId, Seq]>) {
    const upto = Math.min(want, b.applied[o] ?? 0)
    const had = b.floor[o] ?? 0
    if (upto <= had) continue
    b.clears.push([o, had + 1, upto])
    b.floor[o] = upto
  }
  b.metaChanged = true
  const floor = { ...b.floor }
  b.done.push(() => job.resolve(floor))
}

export function applyGc(b: Batch, job: JobOf<'gc'>): void {
  // Checked again here: a write may have landed since the scan.
  let n = 0
  for (const k of job.keys) {
    const cur = b.state(k)
    const next = withoutStableTombstones(cur, job.stable)
    if (next === cur) continue
    b.scratch.set(k, next)
    n++
  }
  b.metaChanged = b.metaChanged || n > 0
  b.done.push(() => job.resolve(n))
}
