import { describe, expect, it } from 'vitest'
import type { NodeId, Op } from '@swarmkv/core'
import type { Job } from '../src/jobs.js'
import { JobQueue } from '../src/job-queue.js'

const A = '00000000000000aa' as NodeId
const noop = () => {}
const reg = (seq: number): Op => ({ kind: 'reg', origin: A, seq, hlc: { wall: seq, counter: 0 }, key: `k${seq}`, write: { sibling: { origin: A, seq, hlc: { wall: seq, counter: 0 }, value: new Uint8Array(0), contentType: 'text/plain', deleted: false }, context: {} } } as unknown as Op)
const doc = (seq: number): Op => ({ kind: 'doc', origin: A, seq, hlc: { wall: seq, counter: 0 }, key: `d${seq}`, changes: [] } as unknown as Op)

const local = (): Job => ({ kind: 'local', writes: [], resolve: noop, reject: noop })
const remote = (...ops: Op[]): Job => ({ kind: 'remote', ops, resolve: noop, reject: noop })
const state = (): Job => ({ kind: 'state', registers: [], docs: [], resolve: noop, reject: noop })
const compact = (): Job => ({ kind: 'compact', floor: {}, resolve: noop, reject: noop })

function queueOf(...jobs: Job[]): JobQueue {
  const q = new JobQueue()
  for (const j of jobs) q.push(j)
  return q
}

describe('JobQueue', () => {
  it('takes jobs first in, first out', () => {
    const jobs = [local(), remote(reg(1)), compact(), remote(reg(2)), local()]
    const q = queueOf(...jobs)
    expect(q.take(3)).toEqual(jobs.slice(0, 3))
    expect(q.length).toBe(2)
    expect(q.drain()).toEqual(jobs.slice(3))
    expect(q.length).toBe(0)
  })

  it('lets replicated register writes pass local requests and compactions', () => {
    const [l1, r1, c, r2, l2] = [local(), remote(reg(1)), compact(), remote(reg(2)), local()]
    const q = queueOf(l1, r1, c, r2, l2)
    expect(q.takeReplicated(10)).toEqual([r1, r2])
    expect(q.take(10)).toEqual([l1, c, l2])
  })

  it('never lets one pass a peer message with document ops, nor what queued after it', () => {
    const [l1, r1, d2, r3] = [local(), remote(reg(1)), remote(doc(2)), remote(reg(3))]
    const q = queueOf(l1, r1, d2, r3)
    // r1 queued before the document op and may go; r3 queued after it and waits its turn.
    expect(q.takeReplicated(10)).toEqual([r1])
    expect(q.takeReplicated(10)).toEqual([])
    expect(q.take(2)).toEqual([l1, d2])
    // With the document op taken, r3 heads the queue and may merge on top of a commit again.
    expect(q.takeReplicated(10)).toEqual([r3])
  })

  it('never lets one pass a state transfer', () => {
    const [s, l, r] = [state(), local(), remote(reg(1))]
    const q = queueOf(s, l, r)
    expect(q.takeReplicated(10)).toEqual([])
    expect(q.take(10)).toEqual([s, l, r])
    // Nothing ordered is queued any more: the next one may pass again.
    const [l2, r2] = [local(), remote(reg(2))]
    q.push(l2)
    q.push(r2)
    expect(q.takeReplicated(10)).toEqual([r2])
  })

  it('takes at most the number asked for, in order', () => {
    const rs = [1, 2, 3, 4].map((n) => remote(reg(n)))
    const q = queueOf(local(), ...rs)
    expect(q.takeReplicated(3)).toEqual(rs.slice(0, 3))
    expect(q.takeReplicated(3)).toEqual(rs.slice(3))
  })
})
