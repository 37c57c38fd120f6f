export type { ClientOptions, GetResult, SiblingJson, WriteOptions } from './client.js'
export { SwarmkvClient, SwarmkvError } from './client.js'
