import type { NodeId } from '@swarmkv/core'
import type { Engine } from '@swarmkv/storage'

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
  readonly applied: Readonly<Record<string, number>>
  readonly lagOps: number
  readonly lagMs: number | null
}

/** What the server needs from replication (absent on a node that runs alone). */
export interface ClusterView {
  peers(): PeerView[]
  /** True once the node has joined the swarm. */
  joined(): boolean
  /** Announces a role change to peers. */
  setRole(role: Role): void
  /** Resolves true once `count` nodes (this one included) have applied every dot, false on timeout. */
  waitReplicated(dots: ReadonlyArray<{ origin: NodeId; seq: number }>, count: number, timeoutMs: number): Promise<{ ok: boolean; count: number }>
  metrics(): Record<string, number>
  /** Compacts the log now; resolves with the new floor. */
  compact(): Promise<Readonly<Record<string, number>>>
  /** Forgets a member that left for good (unblocks compaction). */
  forgetMember(id: NodeId): Promise<boolean>
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
}

export type Scope = 'read' | 'write' | 'admin'

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
  /** Fastify logger setting. Default false. */
  readonly logger?: boolean | object
}
