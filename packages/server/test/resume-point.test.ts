import { describe, expect, it } from 'vitest'
import type { NodeId } from '@swarmkv/core'
import { Position, formatResumePoint, parseResumePoint, planResume } from '../src/feed/resume-point.js'

const A = '00000000000000aa' as NodeId
const B = '00000000000000bb' as NodeId

describe('resume points', () => {
  it('round-trip through event ids; the empty point is "0", never an empty id', () => {
    expect(formatResumePoint({})).toBe('0')
    expect(parseResumePoint('0')).toEqual({})
    expect(parseResumePoint(formatResumePoint({ [A]: 3, [B]: 9 }))).toEqual({ [A]: 3, [B]: 9 })
    for (const bad of ['', 'x', `${A}:`, `${A}:1,${A}:2`, 'zz:1']) expect(parseResumePoint(bad)).toBeUndefined()
  })

  it('plans a replay of exactly the ops above the point, per origin, up to what is applied', () => {
    expect(planResume({ [A]: 2 }, { [A]: 5, [B]: 1 }, {})).toEqual({
      kind: 'replay', ranges: [{ origin: A, after: 2, upTo: 5 }, { origin: B, after: 0, upTo: 1 }]
    })
    // Nothing to replay of an origin where the point is at or ahead of this node (an id from another node).
    expect(planResume({ [A]: 7, [B]: 1 }, { [A]: 5, [B]: 1 }, {})).toEqual({ kind: 'replay', ranges: [] })
  })

  it('resets when an op above the point is below the log floor, and only then', () => {
    expect(planResume({ [A]: 2 }, { [A]: 5 }, { [A]: 3 })).toEqual({ kind: 'reset', origins: [A] })
    // The floor at the point itself: every op above it is still in the log.
    expect(planResume({ [A]: 3 }, { [A]: 5 }, { [A]: 3 })).toEqual({ kind: 'replay', ranges: [{ origin: A, after: 3, upTo: 5 }] })
    // Compacted ops the watcher has all seen do not matter.
    expect(planResume({ [A]: 5 }, { [A]: 5 }, { [A]: 5 })).toEqual({ kind: 'replay', ranges: [] })
    expect(planResume({}, { [B]: 4 }, { [B]: 1 })).toEqual({ kind: 'reset', origins: [B] })
  })

  it('a position passes each op once, in seq order, and never moves back', () => {
    const p = new Position({ [A]: 2 })
    expect(p.pass(A, 2)).toBe(false)
    expect(p.pass(A, 3)).toBe(true)
    expect(p.pass(A, 3)).toBe(false)
    expect(p.pass(B, 1)).toBe(true)
    p.raise({ [A]: 1, [B]: 5 })
    expect(p.point).toEqual({ [A]: 3, [B]: 5 })
    expect(p.pass(B, 4)).toBe(false)
  })
})
