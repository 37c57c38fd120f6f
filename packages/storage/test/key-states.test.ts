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
  it('reads the store once, then the ring, and keeps a state decoded from its second read on', () => {
    const states = new KeyStates()
    const store = source(10)
    const first = states.read('k3', store)
    expect(first).toEqual(stateOf(4))
    expect(store.reads).toBe(1)
    const second = states.read('k3', store)
    const third = states.read('k3', store)
    expect(store.reads).toBe(1)
    // The first ring read decodes anew; that state is the one kept and handed out after.
    expect(second).not.toBe(first)
    expect(second).toEqual(first)
    expect(third).toBe(second)
  })

  it('keeps no decoded copy of a state read once (reads spread over many keys churn nothing)', () => {
    const states = new KeyStates()
    const store = source(1000)
    for (let i = 0; i < 1000; i++) states.read(`k${i}`, store)
    // Every state is in the ring, none decoded: a second pass decodes each again.
    expect(states.cleanKeys).toBe(1000)
    const again = states.read('k7', store)
    expect(states.cleanKeys).toBe(1001)
    expect(states.read('k7', store)).toBe(again)
    expect(store.reads).toBe(1000)
  })

  it('a committed write replaces the clean copies: the next read is the new state', () => {
    const states = new KeyStates()
    const store = source(3)
    states.read('k1', store)
    states.read('k1', store)
    const next = stateOf(99)
    states.committed('k1', next)
    expect(states.read('k1', store)).toBe(next)
  })
})
