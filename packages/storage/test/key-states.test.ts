import { describe, expect, it } from 'vitest'
import { encode, registerStateEncoding, type NodeId, type RegisterState } from '@swarmkv/core'
import { KeyStates, type StateSource } from '../src/key-states.js'

const ORIGIN = '0123456789abcdef' as NodeId

function stateOf(n: number): RegisterState {
  return {
    siblings: [{ origin: ORIGIN, seq: n, hlc: { wall: 1_700_000_000_000 + n, counter: 0 }, deleted: false, contentType: 'text/plain', value: new TextEncoder().encode(`v${n}`) }],
    context: { [ORIGIN]: n }
  }
}

/** A store of encoded states that counts its reads. */
function source(keys: number): StateSource & { reads: number } {
  const bytes = new Map(Array.from({ length: keys }, (_, i) => [`k${i}`, encode(registerStateEncoding, stateOf(i + 1))]))
  const s = { reads: 0, getRegisterBytesSync: (key: string) => { s.reads++; return bytes.get(key) } }
  return s
}

describe('KeyStates, clean reads', () => {
  it('reads the store once, then the ring, decoding a fresh state each time', () => {
    const states = new KeyStates()
    const store = source(10)
    const first = states.read('k3', store)
    expect(first).toEqual(stateOf(4))
    expect(store.reads).toBe(1)
    const second = states.read('k3', store)
    const third = states.read('k3', store)
    expect(store.reads).toBe(1)
    // Nothing clean is kept decoded: each read's objects are its own and die with it.
    expect(second).toEqual(first)
    expect(third).toEqual(first)
    expect(second).not.toBe(first)
    expect(third).not.toBe(second)
    expect(states.cleanKeys).toBe(1)
  })

  it('a committed write replaces the clean copy: reads get the dirty state itself', () => {
    const states = new KeyStates()
    const store = source(3)
    states.read('k1', store)
    const next = stateOf(99)
    states.committed('k1', next)
    expect(states.cleanKeys).toBe(0)
    expect(states.read('k1', store)).toBe(next)
    expect(store.reads).toBe(1)
  })

  it('a checkpoint written with a commit leaves every dirty state clean, in the ring, readable without the store', () => {
    const states = new KeyStates()
    const store = source(0)
    states.committed('a', stateOf(1))
    states.committed('b', stateOf(2))
    // What the commit wrote: both dirty states and its own, encoded once.
    const written: Array<[string, RegisterState]> = [['a', stateOf(1)], ['b', stateOf(2)], ['c', stateOf(3)]]
    states.allClean(written.map(([k, v]) => [k, encode(registerStateEncoding, v)] as const))
    expect(states.dirtyKeys).toBe(0)
    expect(states.dirtyBytes).toBe(0)
    expect(states.cleanKeys).toBe(3)
    expect(states.read('a', store)).toEqual(stateOf(1))
    expect(states.read('b', store)).toEqual(stateOf(2))
    expect(states.read('c', store)).toEqual(stateOf(3))
    expect(store.reads).toBe(0)
  })

  it('a background checkpoint that lands moves its states to the ring as written; one that fails leaves them dirty', () => {
    const states = new KeyStates()
    const store = source(0)
    states.committed('a', stateOf(1))
    const flushing = states.beginFlush()
    states.endFlush(true, new Map([...flushing].map(([k, v]) => [k, encode(registerStateEncoding, v)])))
    expect(states.dirtyKeys).toBe(0)
    expect(states.read('a', store)).toEqual(stateOf(1))
    states.committed('b', stateOf(2))
    states.beginFlush()
    states.endFlush(false)
    expect(states.dirtyKeys).toBe(1)
    expect(states.read('b', store)).toEqual(stateOf(2))
    expect(store.reads).toBe(0)
  })
})
