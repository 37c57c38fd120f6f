import { createHash, timingSafeEqual } from 'node:crypto'
import { SwarmError } from '@swarmkv/core'
import type { FastifyRequest } from 'fastify'
import type { AuthToken, Scope } from './options.js'
import { isUiPath } from './routes/ui.js'

const OPEN_ROUTES = new Set(['/health', '/ready'])

/** The scope a request needs: reads, writes, or operating the node. */
export function scopeFor(method: string, path: string): Scope | undefined {
  // The dashboard's files are open; its calls to the API carry the token like any client's.
  // A CORS preflight never carries credentials (Fetch standard); it reveals nothing.
  if (OPEN_ROUTES.has(path) || method === 'OPTIONS' || ((method === 'GET' || method === 'HEAD') && isUiPath(path))) return undefined
  if (path === '/metrics') return 'metrics'
  if (path === '/cluster') return 'read'
  if (path.startsWith('/admin/')) return 'admin'
  return method === 'GET' || method === 'HEAD' ? 'read' : 'write'
}

/** What a token may do beyond its own scopes: admin may scrape (a `metrics` token may only scrape). */
function allows(scopes: ReadonlySet<Scope>, need: Scope): boolean {
  return scopes.has(need) || (need === 'metrics' && scopes.has('admin'))
}

const digest = (s: string) => createHash('sha256').update(s).digest()

/**
 * Optional bearer-token auth: `Authorization: Bearer <token>`; 401 without a known token, 403
 * when the token lacks the scope. Tokens are compared by hash in constant time.
 */
export function makeAuthHook(tokens: readonly AuthToken[]): (req: FastifyRequest) => Promise<void> {
  const known = tokens.map((t) => ({ hash: digest(t.token), scopes: new Set(t.scopes) }))
  return async (req) => {
    const path = (req.raw.url ?? '/').split('?')[0]!
    const need = scopeFor(req.method, path)
    if (need === undefined) return
    const header = req.headers.authorization
    const m = header === undefined ? null : /^Bearer\s+(\S+)\s*$/i.exec(header)
    if (m === null) throw new SwarmError('UNAUTHORIZED', 'this node needs Authorization: Bearer <token>')
    const h = digest(m[1]!)
    const found = known.find((k) => timingSafeEqual(k.hash, h))
    if (found === undefined) throw new SwarmError('UNAUTHORIZED', 'unknown token', { presented: true })
    if (!allows(found.scopes, need)) throw new SwarmError('FORBIDDEN', `this token lacks the "${need}" scope`, { scope: need })
  }
}
