import { describe, expect, it } from 'vitest'
import { seededRandom as rng } from '@swarmkv/core'
import { EncodedStateCache } from '../src/encoded-cache.js'

const RECORD_HEADER = 6

describe('EncodedStateCache', () => {
  for (const seed of [1, 2, 3, 4, 5]) {
    it(`never returns a wrong state, evicts only the oldest sets (seed ${seed})`, () => {
      const random = rng(seed)
      const ringBytes = 4096
      const cache = new EncodedStateCache(ringBytes)
      const model = new Map<string, Uint8Array>()
      // Every set, newest last, with its record size: an overwritten record takes ring space too.
      const sets: Array<{ key: string; len: number }> = []
      let maxLen = 0
      for (let step = 0; step < 20_000; step++) {
        const key = `k${Math.floor(random() * 200)}${random() < 0.05 ? 'é' : ''}`
        const r = random()
        if (r < 0.6) {
          const value = new Uint8Array(1 + Math.floor(random() * (random() < 0.02 ? 600 : 120)))
          for (let i = 0; i < value.length; i++) value[i] = Math.floor(random() * 256)
          cache.set(key, value)
          model.set(key, value)
          const len = RECORD_HEADER + Buffer.byteLength(key) + value.length
          maxLen = Math.max(maxLen, len)
          sets.push({ key, len })
        } else if (r < 0.7) {
          cache.delete(key)
          model.delete(key)
          if (cache.get(key) !== undefined) expect.fail(`step ${step}: ${key} was deleted but is still there`)
        } else {
          const got = cache.get(key)
          if (got !== undefined && !Buffer.from(got).equals(Buffer.from(model.get(key)!))) expect.fail(`step ${step}: ${key} holds a wrong state`)
        }
        // FIFO: the newest sets are all present, as many as fill the ring but for three of the
        // largest records (the one being placed, the waste at the wrap, the last one evicted).
        // Of those, each key's newest is its state unless it was deleted since.
        let budget = ringBytes - 3 * maxLen
        const seen = new Set<string>()
        for (let i = sets.length - 1; i >= 0 && budget >= sets[i]!.len; i--) {
          const { key: k, len } = sets[i]!
          budget -= len
          if (seen.has(k)) continue
          seen.add(k)
          const want = model.get(k)
          if (want === undefined) continue
          const got = cache.get(k)
          // One expect per failure, not per check: 20,000 steps of tens of checks each.
          if (got === undefined || !Buffer.from(got).equals(Buffer.from(want))) {
            expect.fail(`step ${step}: ${k} ${got === undefined ? 'was evicted too early' : 'holds a wrong state'}`)
          }
        }
        if (cache.size > model.size) expect.fail(`step ${step}: ${cache.size} states cached, ${model.size} exist`)
      }
      expect(cache.evictions).toBeGreaterThan(0)
    })
  }

  it('refuses a state larger than the ring, and drops what it held for that key', () => {
    const cache = new EncodedStateCache(64)
    cache.set('a', new Uint8Array(10))
    expect(cache.get('a')).toBeDefined()
    cache.set('a', new Uint8Array(100))
    expect(cache.get('a')).toBeUndefined()
  })
})
