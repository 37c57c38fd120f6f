/** Records an origin's index has room for when it is first used; it doubles as it fills. */
const INITIAL_CAPACITY = 64

/** Where one record lies: a file and a byte range in it. */
export interface RecordPlace {
  readonly file: number
  readonly offset: number
  readonly length: number
}

/**
 * The records of one origin in the log files, in seq order (commits append each origin's ops
 * in seq order, and records never overlap). Kept in columns of typed arrays, 28 bytes per record
 * (first and last seq as doubles, file number, offset and length as u32), up to twice that while
 * the arrays have room to grow: a plain object per record cost about 100 B of heap.
 * Compaction drops records from the front, so the live part is [head, head + count).
 */
export class OriginIndex {
  private first = new Float64Array(INITIAL_CAPACITY)
  private last = new Float64Array(INITIAL_CAPACITY)
  private file = new Uint32Array(INITIAL_CAPACITY)
  private offset = new Uint32Array(INITIAL_CAPACITY)
  private length = new Uint32Array(INITIAL_CAPACITY)
  private head = 0
  private tail = 0

  get size(): number { return this.tail - this.head }

  /** The last seq held, 0 when empty. */
  get lastSeq(): number { return this.size === 0 ? 0 : this.last[this.tail - 1]! }

  /** Bytes the arrays take. */
  get bytes(): number { return this.first.length * 28 }

  push(first: number, last: number, place: RecordPlace): void {
    if (this.tail === this.first.length) this.grow()
    const i = this.tail++
    this.first[i] = first
    this.last[i] = last
    this.file[i] = place.file
    this.offset[i] = place.offset
    this.length[i] = place.length
  }

  /** Position (for `at`) of the first record holding an op at or above `seq`, or `end` when none. */
  find(seq: number): number {
    let lo = this.head
    let hi = this.tail
    while (lo < hi) {
      const mid = (lo + hi) >>> 1
      if (this.last[mid]! < seq) lo = mid + 1
      else hi = mid
    }
    return lo
  }

  get end(): number { return this.tail }

  at(i: number): RecordPlace & { readonly first: number; readonly last: number } {
    return { first: this.first[i]!, last: this.last[i]!, file: this.file[i]!, offset: this.offset[i]!, length: this.length[i]! }
  }

  /** Drops the last record (an append taken back). */
  pop(): void {
    if (this.tail > this.head) this.tail--
    if (this.head === this.tail) this.head = this.tail = 0
  }

  /** Drops the records whose ops are all at or below `seq` (a prefix); returns the file of each. */
  dropThrough(seq: number): number[] {
    const files: number[] = []
    while (this.head < this.tail && this.last[this.head]! <= seq) files.push(this.file[this.head++]!)
    if (this.head === this.tail) this.head = this.tail = 0
    return files
  }

  private grow(): void {
    // Room at the front (dropped records) is reused before the arrays grow.
    const n = this.size
    const cap = n * 2 > this.first.length ? this.first.length * 2 : this.first.length
    const move = <T extends Float64Array | Uint32Array>(a: T, make: (n: number) => T): T => {
      const out = cap === a.length ? a : make(cap)
      out.set(a.subarray(this.head, this.tail), 0)
      return out
    }
    this.first = move(this.first, (k) => new Float64Array(k))
    this.last = move(this.last, (k) => new Float64Array(k))
    this.file = move(this.file, (k) => new Uint32Array(k))
    this.offset = move(this.offset, (k) => new Uint32Array(k))
    this.length = move(this.length, (k) => new Uint32Array(k))
    this.head = 0
    this.tail = n
  }
}
