export type { NodeSpec, ClusterOptions, ClusterView } from './cluster.js'
export { Cluster, NodeProcess, SWARMKV_BIN } from './cluster.js'
export { freeTcpPort, freeUdpPort } from './ports.js'
export { waitUntil } from './wait.js'
