export { SwarmkvClient } from './client.js'
export type { ClientOptions, GetResult, WriteOptions, WriteResult, ReadOptions } from './types.js'
export { DocsApi } from './docs.js'
export type { DocResult, JsonObject } from './docs.js'
export { SwarmkvError, ClientErrorCode } from './errors.js'
export type { WatchEvent, WatchOptions } from './watch.js'
export { parseSse } from './sse.js'
export type { SseMessage } from './sse.js'
export type {
  ErrorBody, WriteResultBody, KeyList, SiblingJson, SiblingsBody, DocConflictsBody, ChangeEventData, ResetEventData,
  CutoffEventData, PeerInfo, ClusterInfo
} from './schemas.js'
