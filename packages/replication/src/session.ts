import Protomux, { type Channel, type Message } from 'protomux'
import {
  CodecError, nodeIdFromPublicKey, vvEntries, vvGet, vvMerge,
  type Cancellable, type Logger, type NodeId, type Op, type Scheduler, type Seq, type VersionVector
} from '@swarmkv/core'
import { ApplyError, type Engine, type StateTransfer } from '@swarmkv/storage'
import type { FramedConnection } from './connection.js'
import { authProof, verifyProof } from './auth.js'
import {
  MODE_VERSION, PROTOCOL, VERSIONS, ackEncoding, authEncoding, chooseVersion, helloEncoding, modeMessageEncoding, opsEncoding,
  roleMessageEncoding, stateBeginEncoding, stateChunkEncoding, stateEndEncoding,
  type AckMessage, type AuthMessage, type HelloMessage, type ModeMessage, type OpsMessage, type RoleMessage, type StateBeginMessage,
  type StateChunkMessage, type StateEndMessage, type WireRole
} from './wire.js'
import { sizeOf } from './recent-ops.js'
import { stateChunks } from './state-transfer.js'
import { ReceiveWindow, bytesOf } from './receive-window.js'
import { TransferTracker, chunkBytes } from './transfer-tracker.js'
import type { ReplicationStats } from './stats.js'

/** Ops read from the log per message, at most. */
const OPS_PER_MESSAGE = 512
/** Bytes of op payload per message, about. */
const BYTES_PER_MESSAGE = 512 * 1024
/** Acks are coalesced over this window. */
const ACK_DELAY_MS = 5
/** A peer that has not proven the secret and said hello by then is dropped. */
const HANDSHAKE_TIMEOUT_MS = 5_000
/** A peer proves the secret in about 100 bytes; one sending more first is not speaking the protocol. */
const MAX_BYTES_BEFORE_AUTH = 1024

export interface LocalInfo {
  readonly nodeId: NodeId
  readonly role: WireRole
  readonly region: string
  readonly httpUrl: string
  /** A master that refuses writes (announced to v2 peers). */
  readonly readOnly: boolean
}

export interface OpSource {
  read(origin: NodeId, from: Seq, limit: number): Promise<Op[]>
}

export interface SessionDeps {
  readonly engine: Engine
  readonly secret: string
  readonly local: () => LocalInfo
  readonly source: OpSource
  /** The last seq of another origin's ops that may be forwarded now (ForwardGate). */
  readonly forwardable: (origin: NodeId) => Seq
  readonly stats: ReplicationStats
  readonly scheduler: Scheduler
  readonly log: Logger
  /** Protocol versions offered. Default VERSIONS; tests offer [1] to stand for a node of an older release. */
  readonly versions?: readonly number[]
  /** Received ops not yet applied, at most, before the connection pauses. Default DEFAULT_RECEIVE_WINDOW. */
  readonly receiveWindow?: { readonly ops: number; readonly bytes: number }
}

export interface SessionEvents {
  onReady(s: PeerSession): void
  onAck(s: PeerSession): void
  onClose(s: PeerSession): void
}

type Phase = 'auth' | 'hello' | 'streaming' | 'closed'

/** The peer could not prove the cluster secret (counted as an auth failure, not a protocol error). */
class AuthFailure extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'AuthFailure'
  }
}

/** A protocol violation by the peer: the connection is closed and the violation counted. */
class ProtocolError extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'ProtocolError'
  }
}

/**
 * One replication session over one connection. Phases: `auth` (both prove the cluster secret,
 * bound to this connection) -> `hello` (versions, identity, role, region, URL, applied vector)
 * -> `streaming` (each side sends the ops the other lacks, per origin in seq order, and acks
 * what it has applied). Anything out of order, undecodable or unproven closes this connection
 * only.
 */
export class PeerSession {
  remote: HelloMessage | undefined
  version = 0
  /** What the peer has applied, from its hello and acks. */
  peerApplied: VersionVector = {}
  /** The peer's read-only switch, from its mode messages; null while unknown (a v1 peer never says). */
  remoteReadOnly: boolean | null = null
  /** The state transfer under way with this peer, if any (logged and counted by TransferTracker). */
  readonly transfers: TransferTracker
  private phase: Phase = 'auth'
  private readonly channel: Channel
  private readonly mux: Protomux
  private readonly authMsg: Message<AuthMessage>
  private readonly helloMsg: Message<HelloMessage>
  private readonly opsMsg: Message<OpsMessage>
  private readonly ackMsg: Message<AckMessage>
  private readonly roleMsg: Message<RoleMessage>
  private readonly modeMsg: Message<ModeMessage>
  private readonly stateBeginMsg: Message<StateBeginMessage>
  private readonly stateChunkMsg: Message<StateChunkMessage>
  private readonly stateEndMsg: Message<StateEndMessage>
  /** Set while the peer is sending this node a state transfer. */
  private receivingState: VersionVector | undefined
  private received: StateTransfer = { failed: false }
  private readonly log: Logger
  private drainWaiters: Array<() => void> = []
  private readonly sent = new Map<NodeId, Seq>()
  private readonly remoteId: NodeId
  private pumping = false
  private dirty = false
  private readonly window: ReceiveWindow
  private ackTimer: Cancellable | undefined
  private lastAck: VersionVector | undefined
  private readonly handshakeTimer: Cancellable
  private bytesBeforeAuth = 0
  /** The peer's own ops this node had at the hello: all of them the peer may lack (see pump). */
  private echoUpTo: Seq = 0

  constructor(readonly conn: FramedConnection, private readonly deps: SessionDeps, private readonly events: SessionEvents) {
    this.remoteId = nodeIdFromPublicKey(conn.remotePublicKey)
    this.log = deps.log.child({ peer: this.remoteId })
    this.window = new ReceiveWindow(deps.receiveWindow?.ops, deps.receiveWindow?.bytes)
    this.transfers = new TransferTracker(this.log, deps.stats, deps.scheduler)
    conn.on('error', (err) => this.onStreamError(err))
    conn.on('close', () => this.onClosed())
    conn.on('data', (frame: Uint8Array) => {
      if (this.phase !== 'auth') return
      this.bytesBeforeAuth += frame.byteLength
      if (this.bytesBeforeAuth > MAX_BYTES_BEFORE_AUTH) this.fail(new ProtocolError('too much data before proving the secret'))
    })
    const mux = Protomux.from(conn)
    this.mux = mux
    const channel = mux.createChannel({
      protocol: PROTOCOL,
      onopen: () => this.send(this.authMsg, { proof: authProof(deps.secret, conn.handshakeHash, conn.publicKey) }),
      onclose: () => this.close(),
      ondrain: () => {
        for (const w of this.drainWaiters.splice(0)) w()
        this.kick()
      }
    })
    if (channel === null) throw new Error('replication channel already open on this connection')
    this.channel = channel
    const guard = <T>(fn: (m: T) => void | Promise<void>) => (m: T) => {
      try {
        const r = fn(m)
        if (r instanceof Promise) r.catch((e: unknown) => this.fail(e))
      } catch (e) {
        this.fail(e)
      }
    }
    this.authMsg = channel.addMessage({ encoding: authEncoding, onmessage: guard((m: AuthMessage) => this.onAuth(m)) })
    this.helloMsg = channel.addMessage({ encoding: helloEncoding, onmessage: guard((m: HelloMessage) => this.onHello(m)) })
    this.opsMsg = channel.addMessage({ encoding: opsEncoding, onmessage: guard((m: OpsMessage) => this.onOps(m)) })
    this.ackMsg = channel.addMessage({ encoding: ackEncoding, onmessage: guard((m: AckMessage) => this.onAck(m)) })
    this.roleMsg = channel.addMessage({ encoding: roleMessageEncoding, onmessage: guard((m: RoleMessage) => this.onRole(m)) })
    this.stateBeginMsg = channel.addMessage({ encoding: stateBeginEncoding, onmessage: guard((m: StateBeginMessage) => this.onStateBegin(m)) })
    this.stateChunkMsg = channel.addMessage({ encoding: stateChunkEncoding, onmessage: guard((m: StateChunkMessage) => this.onStateChunk(m)) })
    this.stateEndMsg = channel.addMessage({ encoding: stateEndEncoding, onmessage: guard((m: StateEndMessage) => this.onStateEnd(m)) })
    // v2: added last, so v1's message positions stay as they were.
    this.modeMsg = channel.addMessage({ encoding: modeMessageEncoding, onmessage: guard((m: ModeMessage) => this.onMode(m)) })
    this.handshakeTimer = deps.scheduler.setTimeout(() => {
      if (this.phase === 'auth' || this.phase === 'hello') this.fail(new ProtocolError('handshake timed out'))
    }, HANDSHAKE_TIMEOUT_MS)
    channel.open()
  }

  /** The protocol versions this side offers (an older node is simulated by offering fewer). */
  private get versions(): readonly number[] { return this.deps.versions ?? VERSIONS }

  get nodeId(): NodeId { return this.remoteId }
  get ready(): boolean { return this.phase === 'streaming' }
  get closed(): boolean { return this.phase === 'closed' }

  /** New local ops or room to send: stream what the peer lacks. */
  kick(): void {
    this.dirty = true
    if (!this.pumping && this.phase === 'streaming') void this.pump()
  }

  /** Tells the peer this node's applied vector soon (coalesced). */
  scheduleAck(): void {
    if (this.ackTimer !== undefined || this.phase !== 'streaming') return
    this.ackTimer = this.deps.scheduler.setTimeout(() => {
      this.ackTimer = undefined
      if (this.phase !== 'streaming') return
      const applied = this.deps.engine.applied
      if (this.lastAck === applied) return
      this.lastAck = applied
      this.send(this.ackMsg, { applied })
    }, ACK_DELAY_MS)
  }

  /** Tells the peer this node's role and read-only switch (v1 peers only learn the role). */
  announceMode(mode: { role: WireRole; readOnly: boolean }): void {
    if (this.phase !== 'streaming') return
    if (this.version >= MODE_VERSION) this.send(this.modeMsg, mode)
    else this.send(this.roleMsg, { role: mode.role })
  }

  close(): void {
    if (this.phase === 'closed') return
    this.phase = 'closed'
    for (const w of this.drainWaiters.splice(0)) w()
    this.handshakeTimer.cancel()
    this.ackTimer?.cancel()
    if (!this.conn.destroyed) this.conn.destroy()
    this.events.onClose(this)
  }

  private send<T>(m: Message<T>, value: T): boolean {
    if (this.phase === 'closed') return false
    return m.send(value)
  }

  private fail(e: unknown): void {
    if (this.phase === 'closed') return
    const message = e instanceof Error ? e.message : String(e)
    if (e instanceof ProtocolError || e instanceof ApplyError) {
      this.deps.stats.protocolErrors++
      this.log.warn({ err: message, phase: this.phase }, 'replication protocol error: connection closed')
    } else if (e instanceof CodecError) {
      this.deps.stats.malformedMessages++
      this.log.warn({ err: message, phase: this.phase }, 'malformed replication message: connection closed')
    } else if (e instanceof AuthFailure) {
      this.log.warn({ err: message }, 'peer failed the cluster-secret proof: connection closed')
    } else {
      this.deps.stats.sessionErrors++
      this.log.error({ err: message, stack: e instanceof Error ? e.stack : undefined, phase: this.phase }, 'replication session failed: connection closed')
    }
    this.transfers.interrupted()
    this.conn.destroy(e instanceof Error ? e : new Error(String(e)))
    this.close()
  }

  private onStreamError(err: Error): void {
    // Undecodable frames surface here: protomux destroys the stream with the decoder's error.
    if (err instanceof CodecError) {
      this.deps.stats.malformedMessages++
      this.log.warn({ err: err.message }, 'malformed replication message: connection closed')
      return
    }
    // A peer going away resets the stream: expected, and the close is logged by the replicator.
    this.deps.stats.streamErrors++
    this.log.debug({ err: err.message, code: (err as { code?: unknown }).code }, 'replication stream error')
  }

  private onClosed(): void {
    this.close()
  }

  private onAuth(m: AuthMessage): void {
    if (this.phase !== 'auth') throw new ProtocolError('auth out of order')
    if (!verifyProof(this.deps.secret, this.conn.handshakeHash, this.conn.remotePublicKey, m.proof)) {
      this.deps.stats.authFailures++
      throw new AuthFailure('peer does not know the cluster secret')
    }
    this.phase = 'hello'
    const local = this.deps.local()
    this.send(this.helloMsg, { versions: this.versions, nodeId: local.nodeId, role: local.role, region: local.region, httpUrl: local.httpUrl, applied: this.deps.engine.applied })
  }

  private onHello(m: HelloMessage): void {
    if (this.phase !== 'hello') throw new ProtocolError('hello before auth')
    const version = chooseVersion(this.versions, m.versions)
    if (version === undefined) throw new ProtocolError(`no common protocol version (ours ${this.versions.join(',')}, theirs ${m.versions.join(',')})`)
    if (m.nodeId !== this.remoteId) throw new ProtocolError('hello node id does not match the connection key')
    if (m.nodeId === this.deps.local().nodeId) throw new ProtocolError('connected to itself')
    this.version = version
    this.remote = m
    this.peerApplied = m.applied
    this.echoUpTo = vvGet(this.deps.engine.applied, this.remoteId)
    this.phase = 'streaming'
    this.handshakeTimer.cancel()
    if (version >= MODE_VERSION) {
      const local = this.deps.local()
      this.send(this.modeMsg, { role: local.role, readOnly: local.readOnly })
    }
    this.events.onReady(this)
    this.kick()
  }

  private onOps(m: OpsMessage): Promise<void> | void {
    if (this.phase !== 'streaming') throw new ProtocolError('ops before hello')
    const n = m.ops.length
    const bytes = bytesOf(m.ops)
    this.deps.stats.opsReceived += n
    if (this.window.arrived(n, bytes)) this.conn.pause()
    return this.deps.engine.applyRemote(m.ops).then(
      () => {
        if (this.window.settled(n, bytes)) this.conn.resume()
        this.scheduleAck()
      },
      (err: unknown) => {
        if (this.window.settled(n, bytes)) this.conn.resume()
        throw err
      }
    )
  }

  private onAck(m: AckMessage): void {
    if (this.phase !== 'streaming') throw new ProtocolError('ack before hello')
    this.peerApplied = vvMerge(this.peerApplied, m.applied)
    this.events.onAck(this)
    this.kick()
  }

  private onStateBegin(m: StateBeginMessage): void {
    if (this.phase !== 'streaming' || this.receivingState !== undefined) throw new ProtocolError('state transfer out of order')
    this.receivingState = m.applied
    this.received = { failed: false }
    this.deps.stats.stateTransfersReceived++
    this.transfers.begin('receiving', m.applied)
  }

  private onStateChunk(m: StateChunkMessage): Promise<void> {
    if (this.phase !== 'streaming' || this.receivingState === undefined) throw new ProtocolError('state chunk outside a transfer')
    const n = m.registers.length + m.docs.length
    const bytes = chunkBytes(m)
    this.transfers.progress(n, bytes)
    if (this.window.arrived(n, bytes)) this.conn.pause()
    const settle = () => { if (this.window.settled(n, bytes)) this.conn.resume() }
    return this.deps.engine.applyState(m.registers, m.docs, this.received).then(settle, (err: unknown) => {
      settle()
      throw err
    })
  }

  private onStateEnd(m: StateEndMessage): Promise<void> {
    const begun = this.receivingState
    if (this.phase !== 'streaming' || begun === undefined) throw new ProtocolError('state end outside a transfer')
    if (JSON.stringify(vvEntries(begun)) !== JSON.stringify(vvEntries(m.applied))) throw new ProtocolError('state end does not match its begin')
    this.receivingState = undefined
    return this.deps.engine.finishState(m.applied, this.received).then(() => {
      this.transfers.end()
      this.scheduleAck()
    })
  }

  /** Whether the peer lacks ops this node no longer has in its log. */
  private needsState(): boolean {
    const floor = this.deps.engine.floor
    for (const [origin, f] of vvEntries(floor)) {
      if (Math.max(this.sent.get(origin) ?? 0, vvGet(this.peerApplied, origin)) < f) return true
    }
    return false
  }

  /**
   * Ships every key state from one consistent snapshot, then the vector it covers; afterwards
   * streaming resumes above that vector. Waits for the stream to drain between chunks.
   */
  private async sendState(): Promise<void> {
    const snap = await this.deps.engine.snapshot()
    try {
      const applied = snap.meta.applied
      this.deps.stats.stateTransfersSent++
      this.send(this.stateBeginMsg, { applied })
      this.transfers.begin('sending', applied)
      for await (const chunk of stateChunks(snap)) {
        while (!this.mux.drained && this.phase === 'streaming') await new Promise<void>((r) => this.drainWaiters.push(r))
        if (this.phase !== 'streaming') return
        this.send(this.stateChunkMsg, chunk)
        this.transfers.progress(chunk.registers.length + chunk.docs.length, chunkBytes(chunk))
      }
      if (this.phase !== 'streaming') return
      this.send(this.stateEndMsg, { applied })
      this.transfers.end()
      for (const [o, s] of vvEntries(applied)) if ((this.sent.get(o) ?? 0) < s) this.sent.set(o, s)
    } finally {
      await snap.close()
    }
  }

  private onRole(m: RoleMessage): void {
    if (this.phase !== 'streaming' || this.remote === undefined) throw new ProtocolError('role before hello')
    if (m.role !== this.remote.role) this.log.info({ role: m.role }, 'peer changed its role')
    this.remote = { ...this.remote, role: m.role }
  }

  private onMode(m: ModeMessage): void {
    if (this.phase !== 'streaming' || this.remote === undefined) throw new ProtocolError('mode before hello')
    if (this.version < MODE_VERSION) throw new ProtocolError('mode message on a v1 session')
    if (m.role !== this.remote.role || m.readOnly !== this.remoteReadOnly) this.log.info({ role: m.role, readOnly: m.readOnly }, 'peer mode')
    this.remote = { ...this.remote, role: m.role }
    this.remoteReadOnly = m.readOnly
  }

  /**
   * Sends, origin by origin, the ops the peer lacks. The cursor only advances while the stream
   * is drained, so a slow peer leaves ops in the log, not in memory.
   */
  private async pump(): Promise<void> {
    this.pumping = true
    try {
      while (this.dirty && this.phase === 'streaming') {
        this.dirty = false
        if (this.needsState()) {
          if (!this.drained()) return
          await this.sendState()
          if (this.phase !== 'streaming') return
        }
        // Ops of every origin, the peer's own included: a peer restored from an older copy of
        // its data gets back the writes it had made (those this node had at the hello; later
        // ones came from the peer itself). Other origins' ops wait out the forward delay.
        const self = this.deps.engine.nodeId
        for (const [origin, applied] of vvEntries(this.deps.engine.applied)) {
          const have = origin === self ? applied
            : origin === this.remoteId ? Math.min(applied, this.echoUpTo)
              : this.deps.forwardable(origin)
          let from = Math.max(this.sent.get(origin) ?? 0, vvGet(this.peerApplied, origin)) + 1
          while (from <= have && this.phase === 'streaming') {
            if (!this.drained()) return
            const ops = await this.deps.source.read(origin, from, OPS_PER_MESSAGE)
            if (this.phase !== 'streaming') return
            if (ops.length === 0 || ops[0]!.seq !== from) {
              // Compacted meanwhile: the next round sends a state transfer instead.
              if (from <= vvGet(this.deps.engine.floor, origin)) this.dirty = true
              else this.deps.stats.logGaps++
              break
            }
            let bytes = 0
            let n = 0
            while (n < ops.length && (n === 0 || bytes + sizeOf(ops[n]!) <= BYTES_PER_MESSAGE)) bytes += sizeOf(ops[n++]!)
            const batch = n === ops.length ? ops : ops.slice(0, n)
            // Progress from acks that arrived while reading wins over what was read.
            from = Math.max(from, vvGet(this.peerApplied, origin) + 1)
            const fresh = batch.filter((op) => op.seq >= from)
            if (fresh.length > 0) {
              this.send(this.opsMsg, { ops: fresh })
              this.deps.stats.opsSent += fresh.length
            }
            const last = batch[batch.length - 1]!.seq
            this.sent.set(origin, last)
            from = last + 1
          }
        }
      }
    } catch (e) {
      this.fail(e)
    } finally {
      this.pumping = false
    }
  }

  private drained(): boolean {
    if (this.mux.drained) return true
    this.dirty = true
    return false
  }
}
