import { SwarmError } from '@swarmkv/core'

/**
 * The key of `/kv/<key>`, read from the raw URL so percent-encoded `/`, `?` and `%` survive
 * exactly as sent.
 */
export function keyFromUrl(rawUrl: string, prefix: string, maxKeyBytes: number): string {
  const q = rawUrl.indexOf('?')
  const path = q < 0 ? rawUrl : rawUrl.slice(0, q)
  const encoded = path.slice(prefix.length)
  // Most keys are sent unescaped: decoding them would only copy them.
  if (!encoded.includes('%')) return validateKey(encoded, maxKeyBytes)
  let key: string
  try {
    key = decodeURIComponent(encoded)
  } catch {
    throw SwarmError.badKey('key is not valid percent-encoded UTF-8')
  }
  return validateKey(key, maxKeyBytes)
}

export function validateKey(key: string, maxKeyBytes: number): string {
  if (key.length === 0) throw SwarmError.badKey('key is empty')
  if (!key.isWellFormed()) throw SwarmError.badKey('key is not valid UTF-8')
  // Counted, not encoded: a well-formed string's UTF-8 length without allocating its bytes.
  const bytes = Buffer.byteLength(key, 'utf8')
  if (bytes > maxKeyBytes) throw SwarmError.keyTooLong(bytes, maxKeyBytes)
  return key
}
