import type { NodeId, Problems, Scheduler } from '@swarmkv/core'
import type { Engine } from '@swarmkv/storage'
import type { FastifyBaseLogger } from 'fastify'
import type { WatchOptions } from './feed/watch-stream.js'

export type Role = 'master' | 'replica'

export const DEFAULT_LIMITS = {
  /** Key length in UTF-8 bytes. */
  maxKeyBytes: 1024,
  /** Value size in bytes. */
  maxValueBytes: 1024 * 1024,
  /** Ops in one POST /batch. */
  maxBatchOps: 1000,
  /** Whole POST /batch body in bytes. */
  maxBatchBytes: 16 * 1024 * 1024,
  /** Longest X-After / ?w= wait a client may ask for, in ms. */
  maxWaitMs: 60_000
} as const

export type Limits = { -readonly [K in keyof typeof DEFAULT_LIMITS]: number }

/** A peer as the replication layer sees it; shown by GET /cluster and used to redirect writes. */
export interface PeerView {
  readonly nodeId: NodeId
  readonly role: Role
  readonly region: string
  readonly httpUrl: string
  readonly connected: boolean
  /** Whether the peer refuses writes; null when it never said (an older peer). */
  readonly readOnly: boolean | null
  readonly applied: Readonly<Record<string, number>>
  /** Sending side: ops applied here that the peer has not acknowledged (grows while it is away). */
  readonly lagOps: number | null
  /** Age on this node's clock of the oldest write the peer lacks, ms; 0 when caught up; null unknown. */
  readonly lagMs: number | null
  /** A state transfer or a large backlog is streaming to or from it. */
  readonly catchingUp: boolean
  /** The state transfer under way with it, as far as it got. */
  readonly transfer: { readonly direction: 'sending' | 'receiving'; readonly startedAt: number; readonly keys: number; readonly bytes: number } | null
  /** Since when it has been connected, or since when it has been gone (ms since the epoch, this node's clock). */
  readonly since: number
}

/** Receiving side: how far this node is behind one origin (null: unknown, no peer connected). */
export interface BehindView {
  readonly origin: NodeId
  readonly ops: number | null
}

/** Replication's counters, as /metrics shows them. */
export interface ReplicationCounters {
  readonly opsSent: number
  readonly opsReceived: number
  readonly authFailures: number
  readonly malformedMessages: number
  readonly protocolErrors: number
  readonly sessionErrors: number
  readonly streamErrors: number
  readonly connections: number
  readonly logGaps: number
  readonly stateTransfersSent: number
  readonly stateTransfersReceived: number
  readonly stateTransferKeys: number
  readonly stateTransferBytes: number
}

/** What the server needs from replication (absent on a node that runs alone). */
export interface ClusterView {
  peers(): PeerView[]
  /** True once the node has joined the swarm. */
  joined(): boolean
  /** Receiving side lag, per origin. */
  behind(): BehindView[]
  /** Announces the node's role and read-only switch (read from NodeControl) to peers. */
  announceMode(): void
  /** Resolves true once `count` nodes (this one included) have applied every dot, false on timeout. */
  waitReplicated(dots: ReadonlyArray<{ origin: NodeId; seq: number }>, count: number, timeoutMs: number): Promise<{ ok: boolean; count: number }>
  readonly stats: ReplicationCounters
  /** Connections refused by the block list. */
  rejectedPeers(): number
}

/**
 * The known members and the compaction policy (replication's Membership): every node has one, a
 * node that runs alone a membership of one. The admin routes call it; they compute no floor.
 */
export interface MembershipView {
  /** Known members (holding compaction back); 0 on a node alone. */
  readonly size: number
  readonly stats: { readonly compactions: number; readonly tombstonesCollected: number }
  /** Compacts the log to what every member has and collects stable tombstones; resolves with the new floor. */
  compactOnce(): Promise<Readonly<Record<string, number>>>
  /** Forgets a member that left for good (unblocks compaction); false when it was not one. */
  forget(id: NodeId): Promise<boolean>
}

/** Run-time switches an operator can flip (POST /admin/role, /admin/read-only). */
export interface NodeControl {
  role: Role
  readOnly: boolean
}

export interface ServerDeps {
  readonly engine: Engine
  readonly nodeId: NodeId
  /** The node's Hyperswarm public key (hex), when it has one. */
  readonly publicKey?: string
  readonly region: string
  /** The URL peers and clients use to reach this node's HTTP API. */
  readonly httpUrl: string
  readonly control: NodeControl
  readonly cluster?: ClusterView | undefined
  readonly membership: MembershipView
  /** This build's version (package.json), shown by /health, /cluster and swarmkv_build_info. Default '0.0.0'. */
  readonly version?: string
  /** The replication log's files (LevelStore.logStats), which /metrics shows. Default: none shown. */
  readonly logFiles?: () => { readonly files: number; readonly records: number; readonly indexBytes: number }
  /** The data directory, whose free space /metrics shows. Default: none shown. */
  readonly dataDir?: string
  /** Keeps a role or read-only change for the next start (the CLI writes it to the data dir). */
  readonly persistControl?: (c: NodeControl) => Promise<void>
  /** Where errors handled without failing a request are logged and counted (swarmkv_errors_total). */
  readonly problems?: Problems
  /** Time for the loop-delay windows, watch heartbeats and the disk-stat cache. Default realScheduler. */
  readonly scheduler?: Scheduler
}

/** `metrics` may only scrape /metrics; `admin` may do everything. */
export type Scope = 'read' | 'write' | 'admin' | 'metrics'

/** A bearer token and what it may do. */
export interface AuthToken {
  readonly token: string
  readonly scopes: readonly Scope[]
}

export interface ServerOptions {
  readonly limits?: Partial<Limits>
  /** Bearer tokens; when given, every route but /health and /ready needs one. Default: no auth. */
  readonly tokens?: readonly AuthToken[]
  /** Serve HTTPS with this certificate and key (PEM). */
  readonly tls?: { readonly cert: string | Buffer; readonly key: string | Buffer }
  /** A pino logger for the app (Fastify's `loggerInstance`); default: Fastify's logger setting `logger`. */
  readonly loggerInstance?: FastifyBaseLogger
  /** Fastify logger setting, used without loggerInstance. Default false. */
  readonly logger?: boolean | object
  /** Log every request (Fastify's request logs). Default false; errors are logged either way. */
  readonly logRequests?: boolean
  /** Origins allowed to call the API from a browser (`*`: any). Default: none, CORS off. */
  readonly corsOrigins?: readonly string[]
  /** GET /watch settings (watch-stream.ts has the defaults). */
  readonly watch?: Partial<WatchOptions>
}
