import { describe, expect, it } from 'vitest'
import { Lru } from '../src/lru.js'

/** The reference: an array in use order, oldest first. */
class ModelLru {
  keys: number[] = []
  constructor(private readonly max: number) {}
  get(k: number): boolean {
    const i = this.keys.indexOf(k)
    if (i < 0) return false
    this.keys.splice(i, 1)
    this.keys.push(k)
    return true
  }
  set(k: number): number[] {
    const i = this.keys.indexOf(k)
    if (i >= 0) this.keys.splice(i, 1)
    this.keys.push(k)
    const evicted: number[] = []
    while (this.keys.length > this.max) evicted.push(this.keys.shift()!)
    return evicted
  }
  delete(k: number): void {
    const i = this.keys.indexOf(k)
    if (i >= 0) this.keys.splice(i, 1)
  }
}

describe('Lru', () => {
  it('evicts exactly the least recently used entries, through any mix of gets, sets and deletes', () => {
    let x = 12345
    const rnd = (n: number) => { x = (Math.imul(x, 1103515245) + 12345) >>> 0; return (x >>> 16) % n }
    const evicted: number[] = []
    const lru = new Lru<number, number>(50, (k) => evicted.push(k))
    const model = new ModelLru(50)
    let evictions = 0
    for (let i = 0; i < 20_000; i++) {
      const k = rnd(120)
      const r = rnd(10)
      if (r < 5) {
        expect(lru.get(k) !== undefined).toBe(model.get(k))
      } else if (r < 9) {
        const expected = model.set(k)
        evicted.length = 0
        lru.set(k, i)
        expect(evicted).toEqual(expected)
        evictions += evicted.length
      } else {
        lru.delete(k)
        model.delete(k)
      }
      expect(lru.size).toBe(model.keys.length)
    }
    expect([...lru.values()].length).toBe(model.keys.length)
    expect(evictions).toBeGreaterThan(1000)
  })

  it('evicts by total size when a size function is given', () => {
    const lru = new Lru<string, string>(100, undefined, (v) => v.length, 10)
    lru.set('a', 'xxxx')
    lru.set('b', 'xxxx')
    lru.get('a')
    lru.set('c', 'xxxx')
    expect(lru.has('b')).toBe(false)
    expect(lru.has('a') && lru.has('c')).toBe(true)
  })
})
