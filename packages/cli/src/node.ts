import { join } from 'node:path'
import { HybridClock, DEFAULT_MAX_DRIFT_MS, nodeIdFromPublicKey, type NodeId } from '@swarmkv/core'
import { Engine, LevelStore, type FsyncMode } from '@swarmkv/storage'
import { HyperswarmTransport, Replicator, loadIdentity, topicFor } from '@swarmkv/replication'
import { buildApp, type AuthToken, type ClusterView, type NodeControl, type Role } from '@swarmkv/server'
import type { FastifyInstance } from 'fastify'

export interface NodeConfig {
  readonly role: Role
  readonly readOnly: boolean
  readonly httpHost: string
  readonly httpPort: number
  /** Advertised URL; default http://<host>:<port>. */
  readonly httpUrl?: string | undefined
  readonly dataDir: string
  readonly fsync: FsyncMode
  readonly region: string
  /** Cluster name and secret; without a secret the node runs alone (no replication). */
  readonly cluster: string
  readonly secret?: string | undefined
  readonly bootstrap: ReadonlyArray<{ host: string; port: number }>
  readonly dhtHost: string
  readonly dhtPort: number
  readonly maxClockDriftMs?: number
  /** How often the replication log is compacted, ms (0: only on POST /admin/compact). */
  readonly compactIntervalMs?: number
  /** Node ids this node never connects to (an operator's block list). */
  readonly blockedPeers?: readonly string[]
  readonly logger?: boolean
  /** Bearer tokens; none: no HTTP auth. */
  readonly tokens?: readonly AuthToken[]
  /** HTTPS certificate and key (PEM). */
  readonly tls?: { readonly cert: Buffer; readonly key: Buffer }
}

export interface RunningNode {
  readonly nodeId: NodeId
  readonly url: string
  readonly app: FastifyInstance
  close(): Promise<void>
}

/** The composition root: opens the store, joins the swarm, serves HTTP. */
export async function startNode(cfg: NodeConfig): Promise<RunningNode> {
  const identity = await loadIdentity(cfg.dataDir)
  const store = new LevelStore(join(cfg.dataDir, 'db'))
  await store.open()
  const clock = new HybridClock({ maxDriftMs: cfg.maxClockDriftMs ?? DEFAULT_MAX_DRIFT_MS })
  const engine = new Engine(store, { nodeId: identity.nodeId, clock, fsync: cfg.fsync })
  await engine.open()

  const control: NodeControl = { role: cfg.role, readOnly: cfg.readOnly }
  const advertisedHost = cfg.httpHost === '0.0.0.0' || cfg.httpHost === '::' ? '127.0.0.1' : cfg.httpHost
  const scheme = cfg.tls !== undefined ? 'https' : 'http'
  let url = cfg.httpUrl ?? `${scheme}://${advertisedHost}:${cfg.httpPort}`

  const blocked = new Set(cfg.blockedPeers ?? [])
  let replicator: Replicator | undefined
  if (cfg.secret !== undefined) {
    const transport = new HyperswarmTransport({
      keyPair: identity.keyPair,
      topic: topicFor(cfg.cluster, cfg.secret),
      bootstrap: cfg.bootstrap,
      host: cfg.dhtHost,
      port: cfg.dhtPort,
      firewall: (remote) => blocked.has(nodeIdFromPublicKey(remote))
    })
    replicator = new Replicator({
      engine, transport, secret: cfg.secret, compactIntervalMs: cfg.compactIntervalMs,
      local: () => ({ nodeId: identity.nodeId, role: control.role, region: cfg.region, httpUrl: url })
    })
  }
  const cluster: ClusterView | undefined = replicator
  const app = buildApp({
    engine, nodeId: identity.nodeId, publicKey: identity.keyPair.publicKey.toString('hex'), region: cfg.region, control, cluster,
    get httpUrl() { return url }
  }, { logger: cfg.logger ?? false, tokens: cfg.tokens, tls: cfg.tls })
  await app.listen({ host: cfg.httpHost, port: cfg.httpPort })
  if (cfg.httpPort === 0 && cfg.httpUrl === undefined) {
    const addr = app.server.address()
    if (addr !== null && typeof addr === 'object') url = `${scheme}://${advertisedHost}:${addr.port}`
  }
  // Replication starts once the advertised URL is final: peers learn it in the handshake.
  await replicator?.start()

  // Without replication nobody else needs the log: a standalone node compacts it (and collects
  // its tombstones) on the same interval a replicated node would.
  const every = cfg.compactIntervalMs ?? 60_000
  const standaloneCompaction = replicator === undefined && every > 0
    ? setInterval(() => {
      engine.compact(engine.applied).then((floor) => engine.collectTombstones(floor)).catch(() => {})
    }, every)
    : undefined
  standaloneCompaction?.unref()

  let closing: Promise<void> | undefined
  return {
    nodeId: identity.nodeId,
    get url() { return url },
    app,
    close() {
      closing ??= (async () => {
        if (standaloneCompaction !== undefined) clearInterval(standaloneCompaction)
        await app.close()
        await replicator?.stop()
        await engine.close()
        await store.close()
      })()
      return closing
    }
  }
}
