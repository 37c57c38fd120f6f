import { Problems, realScheduler, type Cancellable, type Scheduler } from '@swarmkv/core'
import DHT, { type KeyPair } from 'hyperdht'
import Hyperswarm, { type NoiseConnection, type PeerDiscovery } from 'hyperswarm'
import type { FramedConnection, Transport } from './connection.js'

/** How long a stop may spend unannouncing before it drops the swarm. */
const STOP_GRACE_MS = 1500

export interface HyperswarmTransportOptions {
  readonly keyPair: KeyPair
  readonly topic: Uint8Array
  /** DHT bootstrap nodes; in a closed network, the ones run with `swarmkv dht`. */
  readonly bootstrap: ReadonlyArray<{ host: string; port: number }>
  /** Address the DHT binds and announces. Default 127.0.0.1. */
  readonly host?: string
  /** Fixed UDP port of this node's DHT. 0 picks one. */
  readonly port?: number
  /** Discovery refresh while no peer is connected, then at the slow interval. Defaults 2 s and 30 s. */
  readonly fastRefreshMs?: number
  readonly slowRefreshMs?: number
  /** Public keys to connect to directly, besides those found on the topic. */
  readonly joinPeers?: readonly Uint8Array[]
  /** Returns true to refuse a peer (both directions). Default: refuse none. */
  readonly firewall?: (remotePublicKey: Uint8Array) => boolean
  /** Where errors of discovery and teardown are logged and counted. Default: a silent one. */
  readonly problems?: Problems
  /** Timers of the discovery refresh and the stop grace. Default realScheduler. */
  readonly scheduler?: Scheduler
}

/**
 * Hyperswarm in a closed network, set up as FIELD-NOTES found reliable: a persistent,
 * non-firewalled DHT node on a fixed address, a local bootstrap list, and discovery refreshed
 * until peers are found (peers that join at the same moment can otherwise miss each other for
 * ten minutes).
 */
export class HyperswarmTransport implements Transport {
  private dht: DHT | undefined
  private swarm: Hyperswarm | undefined
  private discovery: PeerDiscovery | undefined
  private timer: Cancellable | undefined
  private isJoined = false
  private stopped = false
  private refused = 0
  private readonly problems: Problems
  private readonly scheduler: Scheduler

  constructor(private readonly opts: HyperswarmTransportOptions) {
    this.problems = opts.problems ?? new Problems()
    this.scheduler = opts.scheduler ?? realScheduler
  }

  /** Connections the firewall refused so far. */
  rejectedPeers(): number { return this.refused }

  async start(onConnection: (conn: FramedConnection) => void): Promise<void> {
    const host = this.opts.host ?? '127.0.0.1'
    this.dht = new DHT({
      bootstrap: [...this.opts.bootstrap],
      host,
      port: this.opts.port ?? 0,
      keyPair: this.opts.keyPair,
      ephemeral: false,
      firewalled: false
    })
    const firewall = this.opts.firewall ?? (() => false)
    this.swarm = new Hyperswarm({
      dht: this.dht, keyPair: this.opts.keyPair,
      firewall: (remote: Uint8Array) => {
        const refuse = firewall(remote)
        if (refuse) {
          this.refused++
          this.problems.log.info({ remotePublicKey: Buffer.from(remote).toString('hex') }, 'peer refused by the block list')
        }
        return refuse
      }
    })
    this.swarm.on('connection', (conn: NoiseConnection) => {
      // The session listens for errors (and counts them); this listener only makes sure an error
      // before the session exists (ECONNRESET from a peer going away) never reaches the process.
      conn.on('error', (err: Error) => this.problems.log.debug({ err: err.message }, 'connection error'))
      onConnection(conn as unknown as FramedConnection)
    })
    for (const key of this.opts.joinPeers ?? []) this.swarm.joinPeer(key)
    this.discovery = this.swarm.join(this.opts.topic, { server: true, client: true })
    // Joined once the DHT is bootstrapped and the swarm accepts connections on the topic. (With a
    // peer that died recently still listed in the DHT, bootstrapping waits out its timeouts: about
    // 12 s here.)
    Promise.all([this.dht.ready(), this.swarm.listen()]).then(
      () => { this.isJoined = !this.stopped },
      this.problems.catcher('swarm-join', 'joining the swarm failed: the node stays not ready')
    )
    this.scheduleRefresh()
  }

  joined(): boolean {
    return this.isJoined
  }

  /** The DHT's bound UDP port. */
  port(): number | undefined {
    return this.dht?.address().port
  }

  private scheduleRefresh(): void {
    if (this.stopped) return
    const idle = (this.swarm?.connections.size ?? 0) === 0
    const ms = idle ? (this.opts.fastRefreshMs ?? 2000) : (this.opts.slowRefreshMs ?? 30_000)
    this.timer = this.scheduler.setTimeout(() => {
      if (this.stopped || this.discovery === undefined) return
      this.discovery.refresh().catch(this.problems.catcher('discovery-refresh', 'refreshing peer discovery failed')).finally(() => this.scheduleRefresh())
    }, ms)
  }

  /**
   * Leaves the topic politely (unannounce) when that is quick, else drops everything: a graceful
   * stop must not hang on peers that are gone.
   */
  async stop(): Promise<void> {
    this.stopped = true
    this.isJoined = false
    this.timer?.cancel()
    const swarm = this.swarm
    let clean = true
    if (swarm !== undefined) {
      let timer: Cancellable | undefined
      const polite = swarm.destroy().then(() => true, () => false)
      const late = new Promise<boolean>((r) => { timer = this.scheduler.setTimeout(() => r(false), STOP_GRACE_MS) })
      clean = await Promise.race([polite, late])
      timer?.cancel()
    }
    // The DHT node goes before a forced close of the swarm: that close still closes the swarm's
    // server, which unannounces again and waits out the DHT's request timeouts (7-8.6 s measured
    // with the peers and the bootstrap gone). With the node's socket closed they fail at once.
    await this.dht?.destroy({ force: true }).catch(this.problems.catcher('dht-destroy', 'dropping the DHT node failed'))
    if (!clean) await swarm?.destroy({ force: true }).catch(this.problems.catcher('swarm-destroy', 'dropping the swarm failed'))
  }
}

/** Runs a DHT bootstrap node (`swarmkv dht`). */
export async function startBootstrap(host: string, port: number): Promise<{ port: number; stop: () => Promise<void> }> {
  const node = DHT.bootstrapper(port, host)
  await node.ready()
  return { port: node.address().port, stop: () => node.destroy() }
}
