import { describe, expect, it } from 'vitest'
import fc from 'fast-check'
import {
  EMPTY_REGISTER, applyWrite, covers, dotOf, encode, merge, registerStateEncoding, winner, vvMerge,
  type NodeId, type RegisterState, type RegisterWrite, type Sibling
} from '@swarmkv/core'

const NODES = ['000000000000000a', '000000000000000b', '000000000000000c'] as NodeId[]

/**
 * A random history: each step is a write at some node, made either without a context (it supersedes
 * that node's current state) or with the context of a state the node observed earlier.
 * Nodes exchange states by merging at random points. Returns every state produced.
 */
const historyArb = fc.array(
  fc.record({
    node: fc.integer({ min: 0, max: NODES.length - 1 }),
    action: fc.constantFrom('write', 'writeStale', 'delete', 'sync'),
    peer: fc.integer({ min: 0, max: NODES.length - 1 }),
    value: fc.uint8Array({ maxLength: 4 }),
    wall: fc.integer({ min: 0, max: 20 })
  }),
  { maxLength: 30 }
)

interface Run { states: RegisterState[]; writes: RegisterWrite[] }

type History = typeof historyArb extends fc.Arbitrary<infer T> ? T : never

function run(history: History): Run {
  const local: RegisterState[] = NODES.map(() => EMPTY_REGISTER)
  const seen: RegisterState[][] = NODES.map(() => [EMPTY_REGISTER])
  const seq = NODES.map(() => 0)
  const states: RegisterState[] = []
  const writes: RegisterWrite[] = []
  for (const step of history) {
    const i = step.node
    const cur = local[i]!
    if (step.action === 'sync') {
      local[i] = merge(cur, local[step.peer]!)
    } else {
      const origin = NODES[i]!
      const s = ++seq[i]!
      const past = seen[i]!
      const ctxState = step.action === 'writeStale' ? past[step.wall % past.length]! : cur
      const sibling: Sibling = {
        origin, seq: s, hlc: { wall: step.wall, counter: 0 }, value: step.value,
        contentType: 'application/octet-stream', deleted: step.action === 'delete'
      }
      const w = { sibling, context: ctxState.context }
      writes.push(w)
      local[i] = applyWrite(cur, w)
    }
    seen[i]!.push(local[i])
    states.push(local[i])
  }
  return { states, writes }
}

/**
 * A delivery order replication can produce: each origin's writes stay in seq order, origins
 * interleave as a seeded pseudo-random choice dictates.
 */
function interleave(writes: RegisterWrite[], seed: number): RegisterWrite[] {
  const queues = NODES.map((n) => writes.filter((w) => w.sibling.origin === n))
  const out: RegisterWrite[] = []
  let x = seed >>> 0
  while (out.length < writes.length) {
    x = (Math.imul(x, 1103515245) + 12345) >>> 0
    const open = queues.filter((q) => q.length > 0)
    out.push(open[x % open.length]!.shift()!)
  }
  return out
}

const canon = (s: RegisterState) => Buffer.from(encode(registerStateEncoding, s)).toString('hex')
const normalize = (s: RegisterState): RegisterState => ({ siblings: s.siblings, context: vvMerge({}, s.context) })
const eq = (a: RegisterState, b: RegisterState) => canon(normalize(a)) === canon(normalize(b))

describe('register merge (property-based)', () => {
  it('is commutative, associative and idempotent', () => {
    fc.assert(
      fc.property(historyArb, fc.nat(), fc.nat(), fc.nat(), (h, x, y, z) => {
        const { states } = run(h)
        const all = [EMPTY_REGISTER, ...states]
        const a = all[x % all.length]!
        const b = all[y % all.length]!
        const c = all[z % all.length]!
        expect(eq(merge(a, b), merge(b, a))).toBe(true)
        expect(eq(merge(merge(a, b), c), merge(a, merge(b, c)))).toBe(true)
        expect(eq(merge(a, a), a)).toBe(true)
      }),
      { numRuns: 300 }
    )
  })

  it('a write supersedes exactly what its context covers, in every merge order', () => {
    fc.assert(
      fc.property(historyArb, fc.nat(), (h, pick) => {
        const { writes } = run(h)
        if (writes.length === 0) return
        const shuffled = interleave(writes, pick)
        const forward = writes.reduce(applyWrite, EMPTY_REGISTER)
        const permuted = shuffled.reduce(applyWrite, EMPTY_REGISTER)
        expect(eq(forward, permuted)).toBe(true)
        // the survivors are exactly the writes no other write's context covers
        const expected = writes
          .filter((w) => !writes.some((o) => o !== w && covers(o.context, dotOf(w.sibling))))
          .map((w) => `${w.sibling.origin}:${w.sibling.seq}`)
          .sort()
        const got = forward.siblings.map((s) => `${s.origin}:${s.seq}`).sort()
        expect(got).toEqual(expected)
      }),
      { numRuns: 300 }
    )
  })

  it('picks the same winner on every replica holding the same state', () => {
    fc.assert(
      fc.property(historyArb, fc.nat(), (h, pick) => {
        const { writes } = run(h)
        const a = writes.reduce(applyWrite, EMPTY_REGISTER)
        const b = interleave(writes, pick).reduce(applyWrite, EMPTY_REGISTER)
        const c = interleave(writes, pick * 31 + 7).reduce(applyWrite, EMPTY_REGISTER)
        const key = (s: Sibling | undefined) => (s ? `${s.origin}:${s.seq}` : 'none')
        expect(key(winner(a))).toBe(key(winner(b)))
        expect(key(winner(a))).toBe(key(winner(c)))
      }),
      { numRuns: 300 }
    )
  })
})
