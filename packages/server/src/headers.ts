import { ErrorCode, SwarmError, parseDot, parseTagList, parseVV, type Dot, type Preconditions, type TagList, type VersionVector } from '@swarmkv/core'

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

/** A tag-list field; several field lines are one comma-joined list (RFC 9110 §5.3). */
function tagListHeader(h: Header, name: string, code: ErrorCode): TagList | undefined {
  const v = Array.isArray(h) ? h.join(',') : h
  if (v === undefined) return undefined
  const tags = parseTagList(v)
  if (tags === undefined) throw new SwarmError(code, `${name} must be * or a list of quoted entity-tags ("…" or W/"…")`)
  return tags
}

/** If-Match and If-None-Match of a request; undefined when it has neither. */
export function parsePreconditions(headers: Record<string, Header>): Preconditions | undefined {
  const ifMatch = tagListHeader(headers['if-match'], 'If-Match', ErrorCode.BAD_IF_MATCH)
  const ifNoneMatch = tagListHeader(headers['if-none-match'], 'If-None-Match', ErrorCode.BAD_IF_NONE_MATCH)
  return ifMatch === undefined && ifNoneMatch === undefined ? undefined : { ifMatch, ifNoneMatch }
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
