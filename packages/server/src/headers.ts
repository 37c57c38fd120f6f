import { SwarmError, parseDot, parseIfMatch, parseVV, type Dot, type VersionVector } from '@swarmkv/core'

type Header = string | string[] | undefined

function single(h: Header, name: string): string | undefined {
  if (Array.isArray(h)) {
    if (h.length > 1) throw SwarmError.badRequest(`${name} given more than once`)
    return h[0]
  }
  return h
}

export function parseContextHeader(h: Header): VersionVector | undefined {
  const v = single(h, 'X-Context')
  if (v === undefined) return undefined
  const ctx = parseVV(v)
  if (ctx === undefined) throw SwarmError.badContext('X-Context must be origin:seq pairs separated by commas, as returned by GET')
  return ctx
}

export function parseIfMatchHeader(h: Header): readonly string[] | '*' | undefined {
  const v = single(h, 'If-Match')
  if (v === undefined) return undefined
  const tags = parseIfMatch(v)
  if (tags === undefined) throw SwarmError.badIfMatch('If-Match must be * or quoted ETags as returned by GET')
  return tags
}

/** Write tokens from X-After (comma-separated `origin:seq`). */
export function parseTokens(h: Header): Dot[] {
  const v = Array.isArray(h) ? h.join(',') : h
  if (v === undefined || v.trim() === '') return []
  return v.split(',').map((t) => {
    const d = parseDot(t.trim())
    if (d === undefined) throw SwarmError.badToken(`not a write token: ${t.trim().slice(0, 64)}`)
    return d
  })
}

export function parseWait(q: string | undefined, fallback: number, max: number, name = 'wait'): number {
  if (q === undefined) return fallback
  if (!/^[0-9]{1,9}$/.test(q)) throw SwarmError.badRequest(`${name} must be a number of milliseconds`)
  return Math.min(Number(q), max)
}
