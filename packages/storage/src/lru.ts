/** A small least-recently-used map bounded by entry count. */
export class Lru<K, V> {
  private readonly map = new Map<K, V>()
  constructor(private readonly max: number, private readonly onEvict?: (key: K, value: V) => void) {}

  get(key: K): V | undefined {
    const v = this.map.get(key)
    if (v !== undefined) {
      this.map.delete(key)
      this.map.set(key, v)
    }
    return v
  }

  has(key: K): boolean { return this.map.has(key) }

  set(key: K, value: V): void {
    this.map.delete(key)
    this.map.set(key, value)
    if (this.map.size > this.max) {
      const oldest = this.map.keys().next()
      if (oldest.done !== true) {
        const v = this.map.get(oldest.value)
        this.map.delete(oldest.value)
        if (v !== undefined) this.onEvict?.(oldest.value, v)
      }
    }
  }

  /** Removes without calling onEvict. */
  delete(key: K): V | undefined {
    const v = this.map.get(key)
    this.map.delete(key)
    return v
  }

  values(): IterableIterator<V> { return this.map.values() }

  get size(): number { return this.map.size }
}
