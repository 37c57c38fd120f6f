import { covers, parseDot, type Dot, type VersionVector } from '@swarmkv/core'

/**
 * What the checkers judge: the writes a history knows of and the final state of every node.
 * Pure data, so the simulation (engine states), the process tests (LevelDB read after stop) and
 * the fault suite (HTTP reads) all feed the same functions.
 */

/** One write as the checkers see it. */
export interface WriteRecord {
  /** `origin:seq`; undefined when the write's outcome is unknown (timeout, connection lost). */
  readonly token?: string
  readonly key: string
  readonly deleted: boolean
  /**
   * What the write superseded: the context it was made with. Undefined when not known (an
   * unknown outcome, or a ?w= timeout without a context header).
   */
  readonly context?: VersionVector
  /** Known to be committed: acknowledged (200), or committed with a ?w= timeout (504 with tokens). */
  readonly committed: boolean
}

export interface SiblingView {
  readonly dot: string
  readonly deleted: boolean
  readonly value?: string
}

/** One key's state on one node. */
export interface KeyView {
  readonly context: VersionVector
  readonly siblings: readonly SiblingView[]
  /** The dot of the value this node serves by default; undefined when it answers 404. */
  readonly winner?: string
}

/** Node name -> key -> state. A key missing from a node's map is one that node never stored. */
export type NodeStates = ReadonlyMap<string, ReadonlyMap<string, KeyView>>

export interface CheckResult {
  readonly checker: string
  readonly ok: boolean
  /** How many cases the checker judged (writes, pairs, reads…): a checker that judged none proves nothing. */
  readonly checked: number
  /** Cases the history cannot decide (a write of unknown outcome could explain them). */
  readonly indeterminate: number
  readonly problems: readonly string[]
}

export function result(checker: string, checked: number, problems: readonly string[], indeterminate = 0): CheckResult {
  return { checker, ok: problems.length === 0, checked, indeterminate, problems }
}

export function dotOfToken(token: string): Dot {
  const d = parseDot(token)
  if (d === undefined) throw new TypeError(`not a write token: ${token}`)
  return d
}

/** The writes grouped by key. */
export function byKey(writes: readonly WriteRecord[]): Map<string, WriteRecord[]> {
  const out = new Map<string, WriteRecord[]>()
  for (const w of writes) {
    const list = out.get(w.key)
    if (list === undefined) out.set(w.key, [w])
    else list.push(w)
  }
  return out
}

/** True when a committed write other than `w` was made with a context covering `w`. */
export function supersededBy(w: WriteRecord, sameKey: readonly WriteRecord[]): WriteRecord | undefined {
  if (w.token === undefined) return undefined
  const dot = dotOfToken(w.token)
  return sameKey.find((o) => o !== w && o.committed && o.context !== undefined && o.token !== w.token && covers(o.context, dot))
}

/** Writes to the same key whose effect the history cannot know (unknown outcome or context). */
export function hasUnknown(sameKey: readonly WriteRecord[], except?: WriteRecord): boolean {
  return sameKey.some((o) => o !== except && (!o.committed || o.context === undefined))
}

export function holds(view: KeyView | undefined, token: string): boolean {
  return view?.siblings.some((s) => s.dot === token) ?? false
}
