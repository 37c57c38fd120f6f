/** A least-recently-used map bounded by entry count and, with a size function, by total size. */
export class Lru<K, V> {
  private readonly map = new Map<K, V>()
  private total = 0

  constructor(
    private readonly max: number,
    private readonly onEvict?: (key: K, value: V) => void,
    private readonly sizeOf?: (value: V) => number,
    private readonly maxSize = Infinity
  ) {}

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
    const old = this.map.get(key)
    if (old !== undefined) {
      this.map.delete(key)
      this.total -= this.sizeOf?.(old) ?? 0
    }
    this.map.set(key, value)
    this.total += this.sizeOf?.(value) ?? 0
    while (this.map.size > this.max || (this.total > this.maxSize && this.map.size > 1)) {
      const oldest = this.map.keys().next()
      if (oldest.done === true) break
      const v = this.map.get(oldest.value)!
      this.map.delete(oldest.value)
      this.total -= this.sizeOf?.(v) ?? 0
      this.onEvict?.(oldest.value, v)
    }
  }

  /** Removes without calling onEvict. */
  delete(key: K): V | undefined {
    const v = this.map.get(key)
    if (v !== undefined) this.total -= this.sizeOf?.(v) ?? 0
    this.map.delete(key)
    return v
  }

  values(): IterableIterator<V> { return this.map.values() }

  get size(): number { return this.map.size }
}
