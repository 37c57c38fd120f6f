import { describe, expect, it } from 'vitest'
import type { NodeId, Op } from '@swarmkv/core'
import { RecentOps, heldBytesOf } from '../src/recent-ops.js'

const A = '00000000000000aa' as NodeId
const B = '00000000000000bb' as NodeId
const op = (origin: NodeId, seq: number): Op => ({
  kind: 'reg', origin, seq, hlc: { wall: seq, counter: 0 }, key: `k${String(seq).padStart(6, '0')}`,
  write: { context: {}, sibling: { origin, seq, hlc: { wall: seq, counter: 0 }, value: new Uint8Array(100), contentType: 'x', deleted: false } }
})
const seqs = (ops: Op[] | undefined) => ops?.map((o) => o.seq)

describe('RecentOps', () => {
  it('keeps the newest ops within its byte budget, evicting the oldest of the largest origin', () => {
    const per = heldBytesOf(op(A, 1))
    const recent = new RecentOps(per * 3000)
    for (let s = 1; s <= 10_000; s++) recent.append([op(A, s)])
    for (let s = 1; s <= 500; s++) recent.append([op(B, s)])
    // 3,000 ops fit: all 500 of B (the smaller origin keeps its ops) and A's newest 2,500.
    expect(recent.read(A, 7500, 10)).toBeUndefined()
    expect(seqs(recent.read(A, 7501, 3))).toEqual([7501, 7502, 7503])
    expect(seqs(recent.read(A, 9999, 10))).toEqual([9999, 10000])
    expect(recent.read(A, 10_001, 10)).toBeUndefined()
    expect(seqs(recent.read(B, 1, 2))).toEqual([1, 2])
    expect(recent.read(B, 501, 1)).toBeUndefined()
  })

  it('starts a run again when an origin jumps', () => {
    const recent = new RecentOps()
    recent.append([op(A, 1), op(A, 2)])
    recent.append([op(A, 9)])
    expect(recent.read(A, 1, 5)).toBeUndefined()
    expect(seqs(recent.read(A, 9, 5))).toEqual([9])
  })
})
