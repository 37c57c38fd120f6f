/**
 * RFC 9110 §13 conditional requests, as pure functions: parsing entity-tag lists and judging
 * If-Match / If-None-Match against the current representation's ETag. Every ETag this store
 * makes is strong (it names one exact state on one node), so `current` is a strong tag or null
 * when there is no current representation (never written, or deleted).
 */

/** One entity-tag as sent: `opaque` keeps its quotes, `"abc"`; `weak` for a `W/` prefix. */
export interface EntityTag {
  readonly weak: boolean
  readonly opaque: string
}

/** A parsed If-Match / If-None-Match field: `*` or one or more entity-tags. */
export type TagList = '*' | readonly EntityTag[]

export interface Preconditions {
  readonly ifMatch?: TagList | undefined
  readonly ifNoneMatch?: TagList | undefined
}

/** What a request's preconditions say: go on, answer 304 (safe methods only), or answer 412. */
export type PreconditionOutcome = 'proceed' | 'not-modified' | 'failed'

// RFC 9110 §8.8.3: entity-tag = [ "W/" ] DQUOTE *etagc DQUOTE, etagc = %x21 / %x23-7E / obs-text.
const TAG_RE = /^(W\/)?("[\x21\x23-\x7e\x80-\xff]*")$/

/**
 * Parses a field value (several field lines joined with commas are one list, §5.3). Undefined
 * when it is not `*` nor a list of entity-tags: a syntax error, unlike a tag that matches
 * nothing, which is a failed precondition.
 */
export function parseTagList(field: string): TagList | undefined {
  const t = field.trim()
  if (t === '*') return '*'
  const tags: EntityTag[] = []
  // Empty list elements are allowed and ignored (§5.6.1).
  for (const part of t.split(',')) {
    const p = part.trim()
    if (p === '') continue
    const m = TAG_RE.exec(p)
    if (m === null) return undefined
    tags.push({ weak: m[1] !== undefined, opaque: m[2]! })
  }
  return tags.length === 0 ? undefined : tags
}

/** §8.8.3.2 strong comparison: neither tag weak, opaque parts equal. `current` is strong. */
function strongMatch(tags: TagList, current: string | null): boolean {
  if (current === null) return false
  return tags === '*' || tags.some((t) => !t.weak && t.opaque === current)
}

/** Weak comparison: opaque parts equal, weakness ignored. */
function weakMatch(tags: TagList, current: string | null): boolean {
  if (current === null) return false
  return tags === '*' || tags.some((t) => t.opaque === current)
}

/**
 * §13.2.2's order: If-Match first (strong; false → 412), then If-None-Match (weak; a match is
 * 304 for GET/HEAD, 412 for anything else). `safe` is true for GET and HEAD.
 */
export function evaluatePreconditions(p: Preconditions | undefined, current: string | null, safe: boolean): PreconditionOutcome {
  if (p === undefined) return 'proceed'
  if (p.ifMatch !== undefined && !strongMatch(p.ifMatch, current)) return 'failed'
  if (p.ifNoneMatch !== undefined && weakMatch(p.ifNoneMatch, current)) return safe ? 'not-modified' : 'failed'
  return 'proceed'
}
