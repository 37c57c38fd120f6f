export type { NodeSpec, ClusterOptions, ClusterView } from './cluster.js'
export { Cluster, NodeProcess, SWARMKV_BIN } from './cluster.js'
export { freeTcpPort, freeUdpPort } from './ports.js'
export { waitUntil } from './wait.js'
export type { NodeLaunch } from '@swarmkv/core/node-launch'
export { nodeLaunchOf } from '@swarmkv/core/node-launch'
export type {
  WriteRecord, SiblingView, KeyView, NodeStates, CheckResult, DigestSample, ConvergenceResult, ReadRecord, QuorumWrite, AppliedSample
} from './checkers/index.js'
export {
  checkLostWrites, checkNoResurrection, checkSiblings, checkCausality, checkConvergence, checkReadYourWrites, checkQuorum
} from './checkers/index.js'
export type { Outcome, OpFunction, Invocation, Completion, HistoryOp, HistoryEvent } from './history/history.js'
export { History, writesOf, readsOf, quorumWritesOf } from './history/history.js'
export type { RecordingClientOptions } from './history/recording-client.js'
export { RecordingClient, DEFAULT_CLIENT_TIMEOUT_MS } from './history/recording-client.js'
export { readKeyViews } from './history/final-state.js'
