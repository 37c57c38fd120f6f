import Fastify, { LogController, type FastifyError, type FastifyInstance } from 'fastify'
import cors from '@fastify/cors'
import { SwarmError, realScheduler } from '@swarmkv/core'
import { DEFAULT_LIMITS, type Limits, type ServerDeps, type ServerOptions } from './options.js'
import { clientErrorHandler, errorHandler, makeNotFoundHandler, sendError } from './http-errors.js'
import { registerOpenApi } from './openapi.js'
import { registerKvRoutes } from './routes/kv.js'
import { registerBatchRoute } from './routes/batch.js'
import { registerDocRoutes } from './routes/docs.js'
import { registerOpsRoutes } from './routes/ops.js'
import { registerAdminRoutes } from './routes/admin.js'
import { registerUiRoutes } from './routes/ui.js'
import { registerWatchRoute } from './routes/watch.js'
import { makeAuthHook } from './auth.js'
import { LoopDelay } from './loop-delay.js'
import { NodeMetrics } from './metrics/node-metrics.js'
import { lazyRequestLoggers } from './request-logger.js'

/** Response headers a cross-origin script may read: the causal and caching headers of the API. */
export const CORS_EXPOSED_HEADERS = ['ETag', 'X-Context', 'X-Siblings', 'X-Write-Token', 'Location', 'Retry-After', 'WWW-Authenticate'] as const

/**
 * Builds the HTTP API over a node's engine. Never listens: the CLI does, tests use inject().
 */
export function buildApp(deps: ServerDeps, opts: ServerOptions = {}): FastifyInstance {
  const limits: Limits = { ...DEFAULT_LIMITS, ...opts.limits }
  let open = true
  const app = Fastify({
    ...(opts.loggerInstance !== undefined ? { loggerInstance: opts.loggerInstance } : { logger: opts.logger ?? false }) as { logger?: boolean | object },
    // Request logs are optional (--log-requests); errors are logged either way (errorHandler).
    logController: new LogController({ disableRequestLogging: opts.logRequests !== true }),
    // Without request logs a request rarely writes a line: its child logger is made on the first.
    ...(opts.logRequests === true ? {} : { childLoggerFactory: lazyRequestLoggers }),
    ...(opts.tls !== undefined ? { https: { cert: opts.tls.cert, key: opts.tls.key } } : {}),
    // Keys live in the path; the key limit is enforced by the route, not by the router.
    routerOptions: { maxParamLength: limits.maxKeyBytes * 3 + 64 },
    bodyLimit: limits.maxValueBytes + 1024,
    ajv: { customOptions: { coerceTypes: true, removeAdditional: false } },
    clientErrorHandler,
    // Requests that arrive while the node closes are answered below, in our error format.
    return503OnClosing: false,
    // The router refuses undecodable URLs before any route runs: answer in our error format.
    frameworkErrors: (err, req, reply) => {
      const inKey = (req.raw.url ?? '').startsWith('/kv/')
      void sendError(reply, inKey ? SwarmError.badKey(`key is not valid percent-encoded UTF-8 (${err.message})`) : SwarmError.badRequest(err.message))
    }
  })

  app.setErrorHandler((err: FastifyError, req, reply) => errorHandler(err, req, reply, deps.problems))
  app.setNotFoundHandler(makeNotFoundHandler(app))
  const loop = new LoopDelay(deps.scheduler ?? realScheduler)
  const metrics = new NodeMetrics(deps, { isOpen: () => open, loop: () => loop.window })
  app.addHook('onClose', async () => { open = false; loop.close(); metrics.close() })
  // A callback hook: an async one costs every request a promise.
  app.addHook('onResponse', (req, reply, done) => { metrics.onResponse(req, reply); done() })

  // Closing: a request that still arrives gets 503 with Retry-After, and a watcher's connection is
  // dropped unanswered, which EventSource clients retry (an error status would end them for good).
  let closing = false
  app.addHook('preClose', (done) => { closing = true; done() })
  if (opts.tokens !== undefined && opts.tokens.length > 0) app.addHook('onRequest', makeAuthHook(opts.tokens))
  // One callback hook for both checks (every hook is a step each request takes); after the token
  // check, so a caller without a token learns nothing but 401.
  app.addHook('onRequest', (req, _reply, done) => {
    if (closing) {
      if ((req.raw.url ?? '').startsWith('/watch')) { req.raw.socket.destroy(); return }
      done(new SwarmError('STORE_CLOSED', 'this node is shutting down'))
      return
    }
    // Bodies are taken only as sent: a compressed or otherwise encoded body would be stored as
    // bytes nobody asked for.
    const ce = req.headers['content-encoding']
    if (ce !== undefined && ce.trim().toLowerCase() !== 'identity') {
      done(new SwarmError('UNSUPPORTED_CONTENT_ENCODING', `Content-Encoding ${JSON.stringify(ce)} is not supported; send the body unencoded`))
      return
    }
    done()
  })

  // Off unless asked for: a browser page of another origin then reads nothing.
  if (opts.corsOrigins !== undefined && opts.corsOrigins.length > 0) {
    const origins = opts.corsOrigins
    void app.register(cors, {
      origin: origins.includes('*') ? '*' : [...origins],
      methods: ['GET', 'HEAD', 'PUT', 'PATCH', 'DELETE', 'POST'],
      exposedHeaders: [...CORS_EXPOSED_HEADERS],
      maxAge: 600
    })
  }

  // The OpenAPI document sees every route registered after it.
  registerOpenApi(app)
  void app.register(async (scope) => {
    void scope.register(async (s) => registerKvRoutes(s, deps, limits))
    void scope.register(async (s) => registerDocRoutes(s, deps, limits))
    registerBatchRoute(scope, deps, limits)
    registerOpsRoutes(scope, deps, () => open, metrics)
    registerAdminRoutes(scope, deps)
    registerWatchRoute(scope, deps, opts.watch)
    registerUiRoutes(scope)
  })
  return app
}
