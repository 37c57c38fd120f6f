import { describe, expect, it } from 'vitest'
import { EMPTY_REGISTER, applyWrite, winner, isLive, type NodeId, type Sibling } from '@swarmkv/core'

const A = '00000000000000aa' as NodeId
const B = '00000000000000bb' as NodeId
const C = '00000000000000cc' as NodeId
const sib = (origin: NodeId, seq: number, wall: number, value: string, deleted = false): Sibling => ({
  origin, seq, hlc: { wall, counter: 0 }, value: new TextEncoder().encode(value), contentType: 'text/plain', deleted
})

describe('register', () => {
  it('a write without context supersedes what the node had', () => {
    const s1 = applyWrite(EMPTY_REGISTER, { sibling: sib(A, 1, 1, 'x'), context: {} })
    const s2 = applyWrite(s1, { sibling: sib(A, 2, 2, 'y'), context: s1.context })
    expect(s2.siblings.map((s) => s.seq)).toEqual([2])
    expect(s2.context).toEqual({ [A]: 2 })
  })

  it('concurrent writes are kept as siblings and the greater hlc wins', () => {
    const a = applyWrite(EMPTY_REGISTER, { sibling: sib(A, 1, 5, 'a'), context: {} })
    const both = applyWrite(a, { sibling: sib(B, 1, 7, 'b'), context: {} })
    expect(both.siblings).toHaveLength(2)
    expect(new TextDecoder().decode(winner(both)!.value)).toBe('b')
  })

  it('a concurrent delete does not hide a live value; all tombstones read as absent', () => {
    const a = applyWrite(EMPTY_REGISTER, { sibling: sib(A, 1, 5, 'a'), context: {} })
    const withDel = applyWrite(a, { sibling: sib(B, 1, 9, '', true), context: {} })
    expect(winner(withDel)?.origin).toBe(A)
    const gone = applyWrite(withDel, { sibling: sib(A, 2, 10, '', true), context: withDel.context })
    expect(isLive(gone)).toBe(false)
    expect(winner(gone)).toBeUndefined()
  })

  it('a write with a partial context keeps the siblings it had not seen', () => {
    const a = applyWrite(EMPTY_REGISTER, { sibling: sib(A, 1, 1, 'a'), context: {} })
    const ab = applyWrite(a, { sibling: sib(B, 1, 1, 'b'), context: {} })
    const w = applyWrite(ab, { sibling: sib(A, 2, 3, 'c'), context: { [A]: 1 } })
    expect(w.siblings.map((s) => `${s.origin}:${s.seq}`).sort()).toEqual([`${A}:2`, `${B}:1`])
  })

  it('a write that arrives after a write that saw it still supersedes what it saw', () => {
    // C:1 is superseded by B:1, which is superseded by A:1; A:1's context (from a client) names
    // B:1 but not C:1. A node that gets C:1, then A:1, then B:1 must end where an in-order node does.
    const c1 = { sibling: sib(C, 1, 1, 'c'), context: {} }
    const b1 = { sibling: sib(B, 1, 2, 'b'), context: { [C]: 1 } }
    const a1 = { sibling: sib(A, 1, 3, 'a'), context: { [B]: 1 } }
    const inOrder = [c1, b1, a1].reduce(applyWrite, EMPTY_REGISTER)
    const outOfOrder = [c1, a1, b1].reduce(applyWrite, EMPTY_REGISTER)
    expect(inOrder.siblings.map((s) => s.origin)).toEqual([A])
    expect(outOfOrder).toEqual(inOrder)
    // Delivering a write twice changes nothing.
    expect(applyWrite(outOfOrder, b1)).toBe(outOfOrder)
  })
})
