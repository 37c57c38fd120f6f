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

/** A document's ETag on one node: its heads name its state (equal heads, equal documents). */
export function etagOfHeads(heads: readonly string[]): string {
  return `"${hash64([...heads].sort().join(','))}"`
}
