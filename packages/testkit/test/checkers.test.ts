import { describe, expect, it } from 'vitest'
import type { VersionVector } from '@swarmkv/core'
import {
  History, checkCausality, checkConvergence, checkLostWrites, checkNoResurrection, checkQuorum, checkReadYourWrites, checkSiblings,
  readsOf, writesOf, type KeyView, type NodeStates, type WriteRecord
} from '@swarmkv/testkit'

// Two origins and small hand-made histories: each checker passes on a good one and fails on a bad one.
const A = 'aaaaaaaaaaaaaaaa'
const B = 'bbbbbbbbbbbbbbbb'
const vv = (o: Record<string, number>) => o as VersionVector
const put = (token: string, key: string, context: Record<string, number> | undefined, committed = true): WriteRecord =>
  ({ token: committed ? token : undefined, key, deleted: false, context: context === undefined ? undefined : vv(context), committed })
const del = (token: string, key: string, context: Record<string, number>): WriteRecord => ({ token, key, deleted: true, context: vv(context), committed: true })
const view = (context: Record<string, number>, dots: string[], deleted: string[] = []): KeyView => ({
  context: vv(context),
  siblings: [...dots.map((dot) => ({ dot, deleted: false })), ...deleted.map((dot) => ({ dot, deleted: true }))],
  winner: dots[0]
})
const states = (...nodes: Array<Record<string, KeyView>>): NodeStates => new Map(nodes.map((n, i) => [`n${i}`, new Map(Object.entries(n))]))

describe('no lost acknowledged write', () => {
  it('accepts a sibling, a superseded write and a collected delete; flags a write that vanished', () => {
    const writes = [put(`${A}:1`, 'k', {}), put(`${A}:2`, 'k', { [A]: 1 }), put(`${B}:1`, 'k', {}), del(`${A}:3`, 'd', {})]
    const good = states({ k: view({ [A]: 2, [B]: 1 }, [`${A}:2`, `${B}:1`]), d: view({ [A]: 3 }, []) })
    expect(checkLostWrites(writes, good)).toMatchObject({ ok: true, checked: 4 })
    // B:1 was concurrent with A:2 (A:2's context does not cover it), yet it is gone.
    const bad = states({ k: view({ [A]: 2, [B]: 1 }, [`${A}:2`]), d: view({ [A]: 3 }, []) })
    const r = checkLostWrites(writes, bad)
    expect(r.ok).toBe(false)
    expect(r.problems).toEqual([`n0: write ${B}:1 of "k" is neither a sibling nor superseded`])
  })

  it('counts as indeterminate what a write of unknown outcome could have superseded', () => {
    const writes = [put(`${A}:1`, 'k', {}), put('', 'k', undefined, false)]
    const r = checkLostWrites(writes, states({ k: view({ [A]: 1, [B]: 1 }, [`${B}:1`]) }))
    expect(r).toMatchObject({ ok: true, indeterminate: 1 })
  })
})

describe('no resurrection', () => {
  const writes = [put(`${A}:1`, 'k', {}), put(`${B}:1`, 'k', { [A]: 1 }), del(`${A}:2`, 'k', { [A]: 1, [B]: 1 })]
  it('accepts a deleted key that stays deleted, with or without its tombstone', () => {
    expect(checkNoResurrection(writes, states({ k: view({ [A]: 2, [B]: 1 }, [], [`${A}:2`]) }, { k: view({ [A]: 2, [B]: 1 }, []) }))).toMatchObject({ ok: true, checked: 1 })
  })
  it('flags a node where the deleted value is live again', () => {
    const r = checkNoResurrection(writes, states({ k: view({ [A]: 2, [B]: 1 }, []) }, { k: view({ [B]: 1 }, [`${B}:1`]) }))
    expect(r.ok).toBe(false)
    expect(r.problems[0]).toMatch(/^n1: "k" was deleted by a{16}:2 after every write to it, yet holds b{16}:1/)
  })
  it('does not judge a delete that was concurrent with a write', () => {
    expect(checkNoResurrection([put(`${B}:1`, 'k', {}), del(`${A}:1`, 'k', {})], states({ k: view({ [A]: 1, [B]: 1 }, [`${B}:1`]) })).checked).toBe(0)
  })
})

describe('concurrent writes are siblings', () => {
  const writes = [put(`${A}:1`, 'k', {}), put(`${B}:1`, 'k', {})]
  it('accepts both values on every node', () => {
    const s = view({ [A]: 1, [B]: 1 }, [`${A}:1`, `${B}:1`])
    expect(checkSiblings(writes, states({ k: s }, { k: s }))).toMatchObject({ ok: true, checked: 1 })
  })
  it('flags a node that kept one of them only', () => {
    const r = checkSiblings(writes, states({ k: view({ [A]: 1, [B]: 1 }, [`${A}:1`, `${B}:1`]) }, { k: view({ [A]: 1, [B]: 1 }, [`${B}:1`]) }))
    expect(r.ok).toBe(false)
    expect(r.problems[0]).toMatch(/^n1: .* lacks a{16}:1 as siblings$/)
  })
})

describe('causally later write wins', () => {
  // B:1 was written (on a node whose clock was an hour behind) with a context covering A:1.
  const writes = [put(`${A}:1`, 'k', {}), put(`${B}:1`, 'k', { [A]: 1 })]
  it('accepts the later write served alone', () => {
    expect(checkCausality(writes, states({ k: view({ [A]: 1, [B]: 1 }, [`${B}:1`]) }))).toMatchObject({ ok: true, checked: 1 })
  })
  it('flags a node that still serves the superseded write (it ranked higher by clock)', () => {
    const r = checkCausality(writes, states({ k: view({ [A]: 1, [B]: 1 }, [`${A}:1`, `${B}:1`]) }))
    expect(r.ok).toBe(false)
    expect(r.problems[0]).toMatch(/^n0: serves a{16}:1 of "k", which the causally later b{16}:1 superseded$/)
  })
})

describe('convergence', () => {
  const nodes = ['n0', 'n1']
  const at = (t: number, a: string | undefined, b: string | undefined) => ({ at: t, digests: new Map([['n0', a], ['n1', b]]) })
  it('reports the time to agree after the heal', () => {
    const r = checkConvergence(nodes, 1000, [at(900, 'x', 'y'), at(1500, 'x', 'y'), at(2200, 'z', 'z'), at(2300, 'z', 'z')], 5000)
    expect(r).toMatchObject({ ok: true, convergedAfterMs: 1200 })
  })
  it('flags digests that never agree, agree too late, or diverge again', () => {
    expect(checkConvergence(nodes, 0, [at(10, 'x', 'y'), at(20, 'x', undefined)], 5000).ok).toBe(false)
    expect(checkConvergence(nodes, 0, [at(6000, 'z', 'z')], 5000).problems[0]).toMatch(/over the 5000 ms bound/)
    expect(checkConvergence(nodes, 0, [at(10, 'z', 'z'), at(20, 'z', 'w')], 5000).problems).toEqual(['digests agreed, then diverged again'])
  })
})

describe('read-your-writes and history recording', () => {
  let t = 0
  const h = new History(() => t++)
  const w = h.invoke({ process: 0, node: 'm1', f: 'put', key: 'k', value: 'v' })
  h.complete(w, { outcome: 'ok', status: 200, token: `${A}:5`, context: `${A}:5,${B}:2` })
  const fresh = h.invoke({ process: 1, node: 'r1', f: 'get', key: 'k', after: [`${A}:5`] })
  h.complete(fresh, { outcome: 'ok', status: 200, context: `${A}:5,${B}:2`, value: 'v' })
  const timedOut = h.invoke({ process: 1, node: 'r1', f: 'get', key: 'k', after: [`${A}:5`] })
  h.complete(timedOut, { outcome: 'fail', status: 504, error: 'WAIT_TIMEOUT' })

  it('records invoke and completion events and derives what the write superseded', () => {
    expect(h.events().map((e) => e.type)).toEqual(['invoke', 'ok', 'invoke', 'ok', 'invoke', 'fail'])
    expect(h.counts()).toEqual({ invoked: 3, ok: 2, fail: 1, unknown: 0, pending: 0 })
    // No context was sent: the write superseded the node's state before it, its own dot excluded.
    expect(writesOf(h.ops())).toEqual([{ token: `${A}:5`, key: 'k', deleted: false, context: { [A]: 4, [B]: 2 }, committed: true }])
    expect(checkReadYourWrites(writesOf(h.ops()), readsOf(h.ops()))).toMatchObject({ ok: true, checked: 1 })
  })

  it('flags a read after a token that returned an older state', () => {
    const stale = h.invoke({ process: 2, node: 'r1', f: 'get', key: 'k', after: [`${A}:5`] })
    h.complete(stale, { outcome: 'ok', status: 404, value: null })
    const r = checkReadYourWrites(writesOf(h.ops()), readsOf(h.ops()))
    expect(r.ok).toBe(false)
    expect(r.problems).toEqual([`r1: a read of "k" after ${A}:5 answered 404 with an older state`])
  })

  it('clamps a sent context to what the answer shows the node had', () => {
    const g = new History(() => 0)
    const id = g.invoke({ process: 0, node: 'm1', f: 'put', key: 'k', value: 'v', context: `${A}:9,${B}:3` })
    g.complete(id, { outcome: 'ok', status: 200, token: `${B}:4`, context: `${A}:2,${B}:4` })
    expect(writesOf(g.ops())[0]?.context).toEqual({ [A]: 2, [B]: 3 })
  })
})

describe('quorum never over-reported', () => {
  const nodes = ['m1', 'm2', 'r1']
  it('accepts a w=2 success when two nodes can have had it', () => {
    const samples = [{ node: 'r1', at: 20, applied: vv({}) }, { node: 'm2', at: 20, applied: vv({ [A]: 1 }) }]
    expect(checkQuorum(nodes, [{ token: `${A}:1`, w: 2, status: 200, replicated: 2, ackedAt: 10 }], samples)).toMatchObject({ ok: true, checked: 1 })
  })
  it('flags a w=2 success when every other node lacked the write after the ack', () => {
    const samples = [{ node: 'r1', at: 20, applied: vv({}) }, { node: 'm2', at: 25, applied: vv({ [B]: 3 }) }]
    const r = checkQuorum(nodes, [{ token: `${A}:1`, w: 2, status: 200, replicated: 2, ackedAt: 10 }], samples)
    expect(r.ok).toBe(false)
    expect(r.problems[0]).toMatch(/at most 1 had it/)
    expect(checkQuorum(nodes, [{ token: `${A}:1`, w: 3, status: 200, replicated: 2, ackedAt: 10 }], []).ok).toBe(false)
  })
})
