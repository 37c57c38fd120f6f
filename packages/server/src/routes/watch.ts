import { SwarmError, ErrorCode } from '@swarmkv/core'
import type { FastifyInstance } from 'fastify'
import type { ServerDeps } from '../options.js'
import { DEFAULT_WATCH_OPTIONS, WatchStream, type FeedStats, type WatchOptions } from '../feed/watch-stream.js'
import { parseResumePoint, type ResumePoint } from '../feed/resume-point.js'
import { FeedBudget } from '../feed/feed-budget.js'
import { errorResponses } from '../schemas.js'

const SSE_HEADERS = {
  'content-type': 'text/event-stream; charset=utf-8',
  'cache-control': 'no-store',
  connection: 'keep-alive',
  // Proxies that buffer responses (nginx) would hold events back.
  'x-accel-buffering': 'no'
}

/** The counters of this node's change feed. */
export const feedStats: FeedStats = { watchers: 0, events: 0, resets: 0, cutoffs: 0, errors: 0 }

function resumePoint(header: string | string[] | undefined, after: string | undefined): ResumePoint | undefined {
  // EventSource reconnects to the same URL with Last-Event-ID: the header is the newer point.
  const text = Array.isArray(header) ? header[header.length - 1] : header ?? after
  if (text === undefined) return undefined
  const p = parseResumePoint(text)
  if (p === undefined) throw new SwarmError(ErrorCode.BAD_EVENT_ID, 'Last-Event-ID / ?after= must be an event id this feed sent')
  return p
}

/** GET /watch?prefix=: the change feed as server-sent events (feed/watch-stream.ts). */
export function registerWatchRoute(app: FastifyInstance, deps: ServerDeps, options: Partial<WatchOptions> = {}): void {
  const opts: WatchOptions = { ...DEFAULT_WATCH_OPTIONS, ...options }
  const streams = new Set<WatchStream>()
  const budget = new FeedBudget<WatchStream>(opts.maxTotalBufferedBytes)
  // Open streams would hold the server's close forever.
  app.addHook('preClose', async () => {
    for (const s of streams) s.cutoff('SHUTDOWN', 'this node is shutting down; reconnect (to another node) with Last-Event-ID')
  })

  app.get('/watch', {
    // A stream has no length to tell and would hold a HEAD request open: GET only.
    exposeHeadRoute: false,
    schema: {
      summary: 'Server-sent events of every change this node applies to matching keys and documents',
      querystring: {
        type: 'object',
        additionalProperties: false,
        properties: {
          prefix: { type: 'string', default: '', description: 'only keys and documents starting with this' },
          after: { type: 'string', description: 'resume after this event id (Last-Event-ID wins when both are sent)' }
        }
      },
      headers: { type: 'object', properties: { 'last-event-id': { type: 'string' } } },
      response: {
        200: { description: 'events: ready, change, reset, progress, cutoff (docs/HTTP-API.md)', content: { 'text/event-stream': { schema: { type: 'string' } } } },
        ...errorResponses
      }
    }
  }, async (req, reply) => {
    const q = req.query as { prefix: string; after?: string }
    const from = resumePoint(req.headers['last-event-id'], q.after)
    reply.hijack()
    // Headers set by hooks (CORS) go out too: a hijacked reply does not send them by itself.
    reply.raw.writeHead(200, { ...(reply.getHeaders() as Record<string, string>), ...SSE_HEADERS })
    const stream = new WatchStream(deps.engine, reply.raw, q.prefix, from, opts, feedStats, (err) => req.log.error({ err }, 'watch stream failed'), deps.scheduler, budget)
    streams.add(stream)
    reply.raw.on('close', () => streams.delete(stream))
    await stream.start()
  })
}
