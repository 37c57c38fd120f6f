import { hash64 } from './hash.js'
import type { VersionVector } from './version-vector.js'
import { formatVV } from './version-vector.js'

/**
 * A register's ETag on one node: its causal context determines its state there (every applied
 * write adds its dot to the context), so hashing the context identifies the state.
 */
export function etagOf(context: VersionVector): string {
  return etagOfText(formatVV(context))
}

/** The ETag of a context already in its text form (`formatVV`): a write's reply needs both. */
export function etagOfText(contextText: string): string {
  return `"${hash64(contextText)}"`
}

const ETAG_RE = /^"[0-9a-f]{16}"$/

/** Parses an If-Match header: one or more quoted etags, or `*`. Undefined when malformed. */
export function parseIfMatch(header: string): string[] | '*' | undefined {
  const t = header.trim()
  if (t === '*') return '*'
  const tags = t.split(',').map((s) => s.trim().replace(/^W\//, ''))
  if (tags.length === 0 || tags.some((s) => !ETAG_RE.test(s))) return undefined
  return tags
}
