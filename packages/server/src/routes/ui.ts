import { createHash } from 'node:crypto'
import { SwarmError } from '@swarmkv/core'
import { UI_BASE, type UiAsset, uiAssets } from '@swarmkv/ui'
import type { FastifyInstance, FastifyReply, FastifyRequest, FastifySchema } from 'fastify'

/** True for the dashboard's paths, which auth leaves open (the page's API calls carry the token). */
export function isUiPath(path: string): boolean {
  return path === UI_BASE || path.startsWith(`${UI_BASE}/`)
}

/**
 * GET /ui and its assets: the dashboard's static files, read from the @swarmkv/ui package once
 * (on the first request) and served from memory with an ETag. `no-cache` makes the browser
 * revalidate, so a node upgraded in place serves its new page at once. Hidden from the OpenAPI
 * document: these are files, not API.
 */
export function registerUiRoutes(app: FastifyInstance): void {
  let table: Promise<Map<string, UiAsset & { etag: string }>> | undefined
  const load = () => table ??= uiAssets().then((list) => new Map(list.map((a) => [a.path, { ...a, etag: `"${createHash('sha256').update(a.body).digest('base64url').slice(0, 22)}"` }])))

  const serve = async (req: FastifyRequest, reply: FastifyReply) => {
    const path = req.url.split('?')[0]!
    const asset = (await load()).get(path === `${UI_BASE}/` ? UI_BASE : path)
    if (asset === undefined) throw SwarmError.notFound(`no dashboard file ${path}`)
    void reply.header('cache-control', 'no-cache').header('etag', asset.etag).type(asset.contentType)
    if (req.headers['if-none-match'] === asset.etag) return reply.status(304).send()
    return reply.send(asset.body)
  }
  // `hide` is @fastify/swagger's flag (its types add it to FastifySchema once it is installed).
  const schema = { hide: true } as Record<string, unknown> as FastifySchema
  app.get(UI_BASE, { schema }, serve)
  app.get(`${UI_BASE}/*`, { schema }, serve)
}
