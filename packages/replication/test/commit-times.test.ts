import { describe, expect, it } from 'vitest'
import type { NodeId, VersionVector } from '@swarmkv/core'
import { CommitTimes, behindOrigins, peerLag } from '@swarmkv/replication'

const A = 'aaaaaaaaaaaaaaaa' as NodeId
const B = 'bbbbbbbbbbbbbbbb' as NodeId

describe('CommitTimes', () => {
  it('knows when each op was committed, from the sample at or below it', () => {
    const t = new CommitTimes(1024 * 1024, 10)
    t.committed(A, 1, 1000)
    t.committed(A, 5, 1005) // within the spacing: no sample; ops 1-5 read as 1000
    t.committed(A, 9, 2000)
    expect(t.committedAt(A, 1)).toBe(1000)
    expect(t.committedAt(A, 6)).toBe(1000)
    expect(t.committedAt(A, 9)).toBe(2000)
    expect(t.committedAt(A, 50)).toBe(2000)
    expect(t.committedAt(B, 1)).toBeUndefined()
    expect(t.size).toBe(2)
  })

  it('stays within its byte budget, keeps reaching back, and never understates an age', () => {
    const budget = 64 * 16
    const t = new CommitTimes(budget, 0)
    const truth: number[] = []
    for (let seq = 1; seq <= 10_000; seq++) {
      truth[seq] = seq * 7
      t.committed(A, seq, seq * 7)
      expect(t.size).toBeLessThanOrEqual(64)
    }
    for (const seq of [1, 2, 17, 999, 5000, 9999, 10_000]) {
      const at = t.committedAt(A, seq)!
      expect(at).toBeLessThanOrEqual(truth[seq]!) // the age is never understated
      expect(truth[seq]! - at).toBeLessThan(2 * t.resolutionMs(A))
    }
    // 70 s of history in 64 samples: about a second apart, not a recency-biased few.
    expect(t.resolutionMs(A)).toBeLessThanOrEqual(2048)
    expect(t.committedAt(A, 1)).toBe(7)
  })
})

describe('peerLag and behindOrigins', () => {
  const times = new CommitTimes()
  times.committed(A, 1, 1_000)
  times.committed(A, 11, 5_000)
  times.committed(B, 1, 3_000)

  it('counts the ops a peer lacks and ages the oldest on this node\'s clock', () => {
    const applied: VersionVector = { [A]: 20, [B]: 4 }
    expect(peerLag(applied, { [A]: 20, [B]: 4 }, times, 9_000)).toEqual({ ops: 0, ms: 0 })
    expect(peerLag(applied, { [A]: 15, [B]: 4 }, times, 9_000)).toEqual({ ops: 5, ms: 4_000 })
    expect(peerLag(applied, { [A]: 15, [B]: 0 }, times, 9_000)).toEqual({ ops: 9, ms: 6_000 })
    expect(peerLag(applied, {}, times, 9_000)).toEqual({ ops: 24, ms: 8_000 })
  })

  it('says unknown, not 0, when the oldest missing op predates the record', () => {
    const later = new CommitTimes()
    later.committed(A, 100, 5_000)
    expect(peerLag({ [A]: 120 }, { [A]: 50 }, later, 9_000)).toEqual({ ops: 70, ms: null })
    expect(peerLag({ [A]: 120 }, { [A]: 110 }, later, 9_000)).toEqual({ ops: 10, ms: 4_000 })
  })

  it('tells how far this node is behind each origin its connected peers have, and unknown with none connected', () => {
    expect(behindOrigins({ [A]: 5 }, [{ [A]: 8, [B]: 2 }, { [A]: 6 }], [])).toEqual([{ origin: A, ops: 3 }, { origin: B, ops: 2 }])
    expect(behindOrigins({ [A]: 5 }, [], [{ [A]: 8 }])).toEqual([{ origin: A, ops: null }])
  })
})
