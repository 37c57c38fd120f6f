/**
 * A cache of encoded register states in one ring buffer, evicted oldest first (FIFO).
 *
 * Why not decoded objects in a Map: a decoded 100 B state holds ~746 B of heap in a dozen
 * objects (measured), so 16 MiB cached ~22,000 of the benchmark's 100,000 keys and a random-key
 * read or write went to LevelDB four times in five; every object is also work for each major GC.
 * Here a state costs its encoded bytes (~165 B for 100 B values) plus its key and a Map entry whose
 * value is a small integer (the record's offset): ~60 B more, so the same bytes hold about three
 * times the states, and the GC sees one buffer and one Map. A hit costs a decode (~1.7 µs, measured),
 * a LevelDB lookup about ten times that.
 *
 * Record layout at its offset: u32 record length, u16 key length, key (UTF-8), state bytes.
 * The live records lie in [tail, wrapEnd) and [0, head) when wrapped, else in [tail, head).
 * A record is live while the Map points at its offset; a newer record of the same key, or a
 * delete, leaves the old one as garbage until the tail passes it.
 */
const HEADER = 6
/** A record's length is a u32: a longer one is not cached (see set). */
const MAX_RECORD = 0xffffffff
/** Map entry, key string and record header per state, about: what the ring's bytes do not count. */
export const ENTRY_OVERHEAD = 60

export class EncodedStateCache {
  private readonly ring: Buffer
  private readonly offsets = new Map<string, number>()
  private head = 0
  private tail = 0
  private wrapEnd = 0
  private wrapped = false
  /** States evicted to make room, for /metrics-style figures and tests. */
  evictions = 0

  /** `bytes`: the ring's size; the Map's keys and entries come on top (ENTRY_OVERHEAD each). */
  constructor(bytes: number) {
    this.ring = Buffer.allocUnsafe(Math.max(0, Math.floor(bytes)))
  }

  get size(): number { return this.offsets.size }
  /** The ring's bytes plus the Map's share, about. */
  get bytes(): number { return this.ring.length + this.offsets.size * ENTRY_OVERHEAD }

  /** The encoded state of `key`: a view valid until the next set (decode it before). */
  get(key: string): Uint8Array | undefined {
    const off = this.offsets.get(key)
    if (off === undefined) return undefined
    const len = this.ring.readUInt32LE(off)
    return this.ring.subarray(off + HEADER + this.ring.readUInt16LE(off + 4), off + len)
  }

  set(key: string, state: Uint8Array): void {
    const keyLen = Buffer.byteLength(key)
    const len = HEADER + keyLen + state.byteLength
    if (keyLen > 0xffff || len > this.ring.length || len > MAX_RECORD) { this.delete(key); return }
    const off = this.reserve(len)
    this.ring.writeUInt32LE(len, off)
    this.ring.writeUInt16LE(keyLen, off + 4)
    this.ring.write(key, off + HEADER, 'utf8')
    this.ring.set(state, off + HEADER + keyLen)
    this.offsets.set(key, off)
  }

  delete(key: string): void {
    this.offsets.delete(key)
  }

  /** The offset of `len` free bytes, evicting the oldest records until they are free. */
  private reserve(len: number): number {
    for (;;) {
      if (!this.wrapped) {
        if (this.head + len <= this.ring.length) {
          const off = this.head
          this.head += len
          return off
        }
        if (this.tail === this.head) {
          // Empty: start over at 0.
          this.head = this.tail = 0
          continue
        }
        this.wrapEnd = this.head
        this.head = 0
        this.wrapped = true
      } else {
        if (this.head + len <= this.tail) {
          const off = this.head
          this.head += len
          return off
        }
        this.evictTail()
      }
    }
  }

  private evictTail(): void {
    const off = this.tail
    const len = this.ring.readUInt32LE(off)
    const keyLen = this.ring.readUInt16LE(off + 4)
    const key = this.ring.toString('utf8', off + HEADER, off + HEADER + keyLen)
    if (this.offsets.get(key) === off) {
      this.offsets.delete(key)
      this.evictions++
    }
    this.tail = off + len
    if (this.tail >= this.wrapEnd) {
      this.tail = 0
      this.wrapped = false
    }
  }
}
