export { buildApp } from './app.js'
export type { ServerDeps, ServerOptions, Limits, Role, PeerView, BehindView, ReplicationCounters, ClusterView, MembershipView, NodeControl, AuthToken, Scope } from './options.js'
export { DEFAULT_LIMITS } from './options.js'
export { STATUS_OF } from './http-errors.js'
