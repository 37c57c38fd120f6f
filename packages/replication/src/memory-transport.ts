import { createHash } from 'node:crypto'
import { Duplex } from 'streamx'
import type { FramedConnection, Transport } from './connection.js'
import { seededRandom } from '@swarmkv/core'
import { SimScheduler } from './sim-scheduler.js'

export interface MemoryNetworkOptions {
  readonly seed: number
  readonly scheduler: SimScheduler
  /** Per-frame delivery delay bounds in virtual ms. Defaults 1 and 20. */
  readonly minDelayMs?: number
  readonly maxDelayMs?: number
  /** Probability that a frame breaks its connection instead of arriving. Default 0. */
  readonly dropProbability?: number
  /** Delay before a broken link is redialled. Default 50 ms. */
  readonly redialMs?: number
  /**
   * A sender's write completes only when its frame arrives, so frames in flight fill the
   * stream's buffer and writes report backpressure, as on a slow real link. Default false.
   */
  readonly slowLinks?: boolean
}

const hex = (b: Uint8Array) => Buffer.from(b).toString('hex')

class Endpoint extends Duplex {
  peer: Endpoint | undefined
  constructor(
    private readonly link: Link,
    readonly publicKey: Uint8Array,
    readonly remotePublicKey: Uint8Array,
    readonly handshakeHash: Uint8Array
  ) {
    super()
  }

  override _write(data: unknown, cb: (err: Error | null) => void): void {
    this.link.deliver(this, data as Uint8Array, cb)
  }

  override _destroy(cb: (err: Error | null) => void): void {
    this.link.broken(this)
    cb(null)
  }
}

/** One connection between two nodes: frames arrive in order, each after a seeded delay. */
class Link {
  a!: Endpoint
  b!: Endpoint
  private lastAt = 0
  alive = true

  constructor(private readonly net: MemoryNetwork, readonly key: string) {}

  deliver(from: Endpoint, frame: Uint8Array, written: (err: Error | null) => void): void {
    if (!this.net.slowLinks) written(null)
    if (!this.alive) return
    const to = from === this.a ? this.b : this.a
    if (this.net.shouldDrop()) {
      this.net.scheduler.setTimeout(() => this.break(), 0)
      return
    }
    const copy = Uint8Array.from(frame)
    const at = Math.max(this.lastAt, this.net.scheduler.now() + this.net.delay())
    this.lastAt = at
    this.net.scheduler.setTimeout(() => {
      if (this.alive && !to.destroyed) to.push(copy)
      if (this.net.slowLinks) written(null)
    }, at - this.net.scheduler.now())
  }

  break(): void {
    if (!this.alive) return
    this.alive = false
    this.a.destroy()
    this.b.destroy()
    this.net.linkClosed(this)
  }

  broken(_e: Endpoint): void {
    this.break()
  }
}

/**
 * An in-memory network for deterministic simulation: every pair of started transports that is
 * not partitioned gets one connection; frames are delayed at random (seeded) but stay in order
 * per connection, as on a real stream; a frame may instead break its connection, which is then
 * redialled; partitions cut links until healed.
 */
export class MemoryNetwork {
  readonly scheduler: SimScheduler
  private readonly random: () => number
  private readonly transports = new Map<string, MemoryTransport>()
  private readonly links = new Map<string, Link>()
  private cut = new Set<string>()
  private readonly blocked = new Set<string>()
  private linkSeq = 0
  dropProbability: number
  readonly slowLinks: boolean

  constructor(private readonly opts: MemoryNetworkOptions) {
    this.scheduler = opts.scheduler
    this.random = seededRandom(opts.seed)
    this.dropProbability = opts.dropProbability ?? 0
    this.slowLinks = opts.slowLinks ?? false
  }

  transport(publicKey: Uint8Array): MemoryTransport {
    const t = new MemoryTransport(this, publicKey)
    this.transports.set(hex(publicKey), t)
    return t
  }

  delay(): number {
    const min = this.opts.minDelayMs ?? 1
    const max = this.opts.maxDelayMs ?? 20
    return min + Math.floor(this.random() * (max - min + 1))
  }

  shouldDrop(): boolean {
    return this.dropProbability > 0 && this.random() < this.dropProbability
  }

  /** Cuts every link between the two sides until heal(). */
  partition(sideA: readonly Uint8Array[], sideB: readonly Uint8Array[]): void {
    for (const a of sideA) for (const b of sideB) this.cut.add(pairKey(hex(a), hex(b)))
    for (const link of [...this.links.values()]) if (this.cut.has(link.key)) link.break()
  }

  /** Removes every partition except the permanent blocks. */
  heal(): void {
    this.cut = new Set(this.blocked)
    this.dialAll()
  }

  /** A partition heal() does not remove: these two never connect again. */
  block(a: Uint8Array, b: Uint8Array): void {
    this.blocked.add(pairKey(hex(a), hex(b)))
    this.partition([a], [b])
  }

  /** Breaks one live link at random. */
  breakRandomLink(): void {
    const live = [...this.links.values()]
    if (live.length === 0) return
    live[Math.floor(this.random() * live.length)]!.break()
  }

  /** @internal */
  started(): void {
    this.dialAll()
  }

  /** @internal */
  linkClosed(link: Link): void {
    if (this.links.get(link.key) === link) this.links.delete(link.key)
    this.scheduler.setTimeout(() => this.dialAll(), this.opts.redialMs ?? 50)
  }

  private dialAll(): void {
    const started = [...this.transports.entries()].filter(([, t]) => t.running).sort(([a], [b]) => (a < b ? -1 : 1))
    for (let i = 0; i < started.length; i++) {
      for (let j = i + 1; j < started.length; j++) {
        const [ka, ta] = started[i]!
        const [kb, tb] = started[j]!
        const key = pairKey(ka, kb)
        if (this.links.has(key) || this.cut.has(key)) continue
        this.connect(key, ta, tb)
      }
    }
  }

  private connect(key: string, ta: MemoryTransport, tb: MemoryTransport): void {
    const link = new Link(this, key)
    const hh = createHash('sha256').update(key).update(String(this.linkSeq++)).digest()
    link.a = new Endpoint(link, ta.publicKey, tb.publicKey, hh)
    link.b = new Endpoint(link, tb.publicKey, ta.publicKey, hh)
    link.a.on('error', () => {})
    link.b.on('error', () => {})
    this.links.set(key, link)
    ta.accept(link.a)
    tb.accept(link.b)
  }

  /** @internal */
  stopped(t: MemoryTransport): void {
    const k = hex(t.publicKey)
    for (const link of [...this.links.values()]) if (link.key.split('|').includes(k)) link.break()
  }
}

function pairKey(a: string, b: string): string {
  return a < b ? `${a}|${b}` : `${b}|${a}`
}

export class MemoryTransport implements Transport {
  running = false
  private onConnection: ((conn: FramedConnection) => void) | undefined

  constructor(private readonly net: MemoryNetwork, readonly publicKey: Uint8Array) {}

  async start(onConnection: (conn: FramedConnection) => void): Promise<void> {
    this.onConnection = onConnection
    this.running = true
    this.net.started()
  }

  async stop(): Promise<void> {
    this.running = false
    this.net.stopped(this)
  }

  joined(): boolean {
    return this.running
  }

  /** @internal */
  accept(e: Endpoint): void {
    this.onConnection?.(e as unknown as FramedConnection)
  }
}

