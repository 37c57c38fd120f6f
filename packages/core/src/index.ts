export type { Cancellable, Scheduler } from './scheduler.js'
export { realScheduler, foregroundScheduler, repeat, delay } from './scheduler.js'
export type { NodeId, Key, Seq, Dot } from './ids.js'
export { isNodeId, asNodeId, nodeIdFromPublicKey, isSeq, formatDot, parseDot } from './ids.js'
export type { Hlc, HybridClockOptions } from './hlc.js'
export { HybridClock, ZERO_HLC, DEFAULT_MAX_DRIFT_MS, compareHlc, formatHlc } from './hlc.js'
export type { VersionVector, Ordering } from './version-vector.js'
export {
  EMPTY_VV, vvGet, covers, vvMerge, vvWith, vvDominates, vvCompare, vvEntries, vvFromEntries, vvLag, formatVV, parseVV
} from './version-vector.js'
export type { Sibling, RegisterState, RegisterWrite } from './register.js'
export { EMPTY_REGISTER, dotOf, merge, applyWrite, rankSiblings, winner, isLive } from './register.js'
export type { Op, RegisterOp, DocOp } from './op.js'
export type { Encoding } from './codec.js'
export {
  CodecError, nodeIdEncoding, seqEncoding, hlcEncoding, vvEncoding, siblingEncoding, registerStateEncoding, opEncoding,
  encode, decode, strict
} from './codec.js'
export { ErrorCode, SwarmError, isSwarmError } from './errors.js'
export { hash64 } from './hash.js'
export { etagOf, etagOfText, etagOfHeads } from './etag.js'
export type { EntityTag, TagList, Preconditions, PreconditionOutcome } from './preconditions.js'
export { parseTagList, evaluatePreconditions } from './preconditions.js'
export type { Json, JsonObject, DocConflict } from './doc.js'
export {
  DELETED_MARK, isJsonObject, validateDocValue, replaceRoot, applyMergePatch, markDeleted, clearDeleted, incrementCounter,
  docToJson, docConflicts, docIsLive, docEtag, Automerge
} from './doc.js'
export type { Logger } from './problems.js'
export { silentLogger, Problems, PROBLEM_PLACES } from './problems.js'
export { seededRandom } from './seeded-random.js'
