export { main } from './main.js'
export type { NodeConfig, RunningNode } from './node.js'
export { startNode } from './node.js'
