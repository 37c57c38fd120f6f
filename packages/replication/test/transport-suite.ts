import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import type { FramedConnection, Transport } from '@swarmkv/replication'

const hex = (b: Uint8Array) => Buffer.from(b).toString('hex')

/** What a transport implementation gives the suite. */
export interface TransportHarness {
  /** A transport for peer `i`: the same identity (key pair) every time it is asked for `i`. */
  make(i: number): Transport
  /** The public key of peer `i`. */
  publicKey(i: number): Uint8Array
  /**
   * Lets time pass (virtual time for the in-memory network, real time for Hyperswarm) until
   * `cond` holds; throws after `limitMs`.
   */
  until(what: string, cond: () => boolean, limitMs?: number): Promise<void>
  close(): Promise<void>
}

interface Conn {
  readonly conn: FramedConnection
  readonly frames: Uint8Array[]
  readonly errors: Error[]
  closed: boolean
}

/** A started transport and every connection it was handed, with what arrived on each. */
class Peer {
  readonly conns: Conn[] = []
  constructor(readonly transport: Transport, readonly publicKey: Uint8Array) {}

  start(): Promise<void> {
    return this.transport.start((conn) => {
      const rec: Conn = { conn, frames: [], errors: [], closed: false }
      conn.on('data', (f) => rec.frames.push(Uint8Array.from(f)))
      conn.on('error', (e) => rec.errors.push(e))
      conn.on('close', () => { rec.closed = true })
      this.conns.push(rec)
    })
  }

  /** The one live connection to `other`, if exactly one. */
  to(other: Peer): Conn | undefined {
    const live = this.conns.filter((c) => !c.closed && !c.conn.destroyed && hex(c.conn.remotePublicKey) === hex(other.publicKey))
    return live.length === 1 ? live[0] : undefined
  }
}

const frame = (n: number, fill: number) => new Uint8Array(n).fill(fill)

/**
 * The behaviour every Transport gives the replicator (connect, frames both ways and in order,
 * close and error on either side, reconnect, backpressure), run against the in-memory network
 * the simulation uses and against Hyperswarm, so the simulation's network is the real one's double.
 */
export function transportSuite(name: string, harness: () => Promise<TransportHarness>) {
  describe(`Transport contract: ${name}`, () => {
    let h: TransportHarness
    let peers: Peer[] = []

    beforeEach(async () => {
      h = await harness()
      peers = []
    })
    afterEach(async () => {
      for (const p of peers) await p.transport.stop()
      await h.close()
    })

    async function started(...ids: number[]): Promise<Peer[]> {
      const out: Peer[] = []
      for (const i of ids) {
        const p = new Peer(h.make(i), h.publicKey(i))
        peers.push(p)
        await p.start()
        out.push(p)
      }
      return out
    }

    /** Two started peers, connected: each side's connection to the other. */
    async function pair(): Promise<[Peer, Peer, Conn, Conn]> {
      const [a, b] = await started(0, 1)
      await h.until('a connection on both sides', () => a!.conns.length > 0 && b!.conns.length > 0)
      await h.until('exactly one live connection each way', () => a!.to(b!) !== undefined && b!.to(a!) !== undefined)
      return [a!, b!, a!.to(b!)!, b!.to(a!)!]
    }

    it('connects two started transports: one connection each side, the same handshake, keys crossed; both joined', async () => {
      const [a, b, ab, ba] = await pair()
      expect(hex(ab.conn.handshakeHash)).toBe(hex(ba.conn.handshakeHash))
      expect(hex(ab.conn.remotePublicKey)).toBe(hex(ba.conn.publicKey))
      expect(hex(ba.conn.remotePublicKey)).toBe(hex(ab.conn.publicKey))
      await h.until('both joined', () => a.transport.joined() && b.transport.joined())
    })

    it('carries frames both ways, byte for byte and one frame per write', async () => {
      const [, , ab, ba] = await pair()
      const sizes = [1, 100, 4096, 16_000]
      for (const [i, n] of sizes.entries()) ab.conn.write(frame(n, i + 1))
      for (const [i, n] of sizes.entries()) ba.conn.write(frame(n, 0x80 + i))
      await h.until('every frame on both sides', () => ba.frames.length >= sizes.length && ab.frames.length >= sizes.length)
      expect(ba.frames.map((f) => [f.byteLength, f[0]])).toEqual(sizes.map((n, i) => [n, i + 1]))
      expect(ab.frames.map((f) => [f.byteLength, f[0]])).toEqual(sizes.map((n, i) => [n, 0x80 + i]))
      expect(ba.frames[3]!.every((x) => x === 4)).toBe(true)
    })

    it('keeps the order of 500 frames', async () => {
      const [, , ab, ba] = await pair()
      for (let i = 0; i < 500; i++) ab.conn.write(Uint8Array.of(i >> 8, i & 0xff, ...frame(i % 50, 7)))
      await h.until('500 frames', () => ba.frames.length >= 500)
      expect(ba.frames.map((f) => (f[0]! << 8) | f[1]!)).toEqual(Array.from({ length: 500 }, (_, i) => i))
    })

    for (const side of [0, 1] as const) {
      it(`a close on side ${side === 0 ? 'a' : 'b'} closes both ends`, async () => {
        const [, , ab, ba] = await pair()
        const [closer, other] = side === 0 ? [ab, ba] : [ba, ab]
        closer.conn.destroy()
        await h.until('both ends closed', () => closer.closed && other.closed)
        expect(closer.conn.destroyed).toBe(true)
      })

      it(`an error on side ${side === 0 ? 'a' : 'b'} is reported there and closes both ends`, async () => {
        const [, , ab, ba] = await pair()
        const [failing, other] = side === 0 ? [ab, ba] : [ba, ab]
        failing.conn.destroy(new Error('boom'))
        await h.until('both ends closed', () => failing.closed && other.closed)
        expect(failing.errors.map((e) => e.message)).toContain('boom')
      })
    }

    it('reconnects after a connection breaks, with a fresh handshake, and carries frames again', async () => {
      const [a, b, ab, ba] = await pair()
      const before = hex(ab.conn.handshakeHash)
      ab.conn.destroy()
      await h.until('the old connection closed', () => ab.closed && ba.closed)
      await h.until('a new connection both ways', () => a.to(b) !== undefined && b.to(a) !== undefined, 30_000)
      const [ab2, ba2] = [a.to(b)!, b.to(a)!]
      expect(hex(ab2.conn.handshakeHash)).not.toBe(before)
      ab2.conn.write(frame(10, 9))
      await h.until('the frame on the new connection', () => ba2.frames.length === 1)
    })

    it('reaches a peer that stopped and started again with the same identity', async () => {
      const [a, b] = await pair()
      const ab = a.to(b)!
      await b.transport.stop()
      await h.until('the connection to the stopped peer closed', () => ab.closed, 30_000)
      const [b2] = await started(1)
      await h.until('a connection to the restarted peer', () => a.to(b2!) !== undefined && b2!.to(a) !== undefined, 30_000)
      b2!.to(a)!.conn.write(frame(3, 1))
      await h.until('a frame from the restarted peer', () => a.to(b2!)!.frames.length === 1)
    })

    // What backpressure means on both: write() says false while frames are in flight beyond the
    // stream's buffer, and 'drain' follows once they have gone. A paused receiver does not hold the
    // sender back on either (Hyperswarm drained within a second into a receiver that was not
    // reading): the session's receive-side pause only stops 'data' events.
    it('reports backpressure to a fast writer, drains, and a paused receiver gets every frame once it resumes', async () => {
      const [, , ab, ba] = await pair()
      ba.conn.pause()
      const chunk = frame(16_000, 5)
      let written = 0
      let full = false
      // Bounded: 64 MiB at most before the transport must have said "slow down".
      while (written < 4096) {
        written++
        if (!ab.conn.write(chunk)) { full = true; break }
        if (written % 16 === 0) await h.until('a moment', () => true)
      }
      expect(full, `write() never returned false after ${written} frames of 16 kB to a paused receiver`).toBe(true)
      let drained = false
      ;(ab.conn as unknown as { once(e: 'drain', f: () => void): void }).once('drain', () => { drained = true })
      ba.conn.resume()
      await h.until('drain on the sender and every frame received', () => drained && ba.frames.length === written, 30_000)
    })
  })
}
