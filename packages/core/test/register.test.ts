import { describe, expect, it } from 'vitest'
import { EMPTY_REGISTER, applyWrite, winner, isLive, type NodeId, type Sibling } from '@swarmkv/core'

const A = '00000000000000aa' as NodeId
const B = '00000000000000bb' as NodeId
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
})
