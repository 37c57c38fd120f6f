import Fastify, { LogController, type FastifyError, type FastifyInstance } from 'fastify'
import { SwarmError } from '@swarmkv/core'
import { DEFAULT_LIMITS, type Limits, type ServerDeps, type ServerOptions } from './options.js'
import { errorHandler, sendError } from './http-errors.js'
import { registerKvRoutes } from './routes/kv.js'
import { registerBatchRoute } from './routes/batch.js'
import { registerDocRoutes } from './routes/docs.js'
import { registerOpsRoutes } from './routes/ops.js'
import { registerAdminRoutes } from './routes/admin.js'
import { registerUiRoutes } from './routes/ui.js'
import { makeAuthHook } from './auth.js'
import { LoopDelay } from './loop-delay.js'
import { NodeMetrics } from './metrics/node-metrics.js'

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
    ...(opts.tls !== undefined ? { https: { cert: opts.tls.cert, key: opts.tls.key } } : {}),
    // Keys live in the path; the key limit is enforced by the route, not by the router.
    routerOptions: { maxParamLength: limits.maxKeyBytes * 3 + 64 },
    bodyLimit: limits.maxValueBytes + 1024,
    ajv: { customOptions: { coerceTypes: true, removeAdditional: false } },
    // The router refuses undecodable URLs before any route runs: answer in our error format.
    frameworkErrors: (err, req, reply) => {
      const inKey = (req.raw.url ?? '').startsWith('/kv/')
      void sendError(reply, inKey ? SwarmError.badKey(`key is not valid percent-encoded UTF-8 (${err.message})`) : SwarmError.badRequest(err.message))
    }
  })

  app.setErrorHandler((err: FastifyError, req, reply) => errorHandler(err, req, reply, deps.problems))
  app.setNotFoundHandler((req, reply) => sendError(reply, SwarmError.notFound(`route ${req.method} ${req.url.split('?')[0]}`)))
  const loop = new LoopDelay()
  const metrics = new NodeMetrics(deps, { isOpen: () => open, loop: () => loop.window })
  app.addHook('onClose', async () => { open = false; loop.close(); metrics.close() })
  // A callback hook: an async one costs every request a promise.
  app.addHook('onResponse', (req, reply, done) => { metrics.onResponse(req, reply); done() })

  if (opts.tokens !== undefined && opts.tokens.length > 0) app.addHook('onRequest', makeAuthHook(opts.tokens))

  // Bodies are taken only as sent: a compressed or otherwise encoded body would be stored as
  // bytes nobody asked for. A callback hook: an async one costs every request a promise.
  app.addHook('onRequest', (req, _reply, done) => {
    const ce = req.headers['content-encoding']
    if (ce !== undefined && ce.trim().toLowerCase() !== 'identity') {
      done(new SwarmError('UNSUPPORTED_CONTENT_ENCODING', `Content-Encoding ${JSON.stringify(ce)} is not supported; send the body unencoded`))
      return
    }
    done()
  })

  void app.register(async (scope) => registerKvRoutes(scope, deps, limits))
  void app.register(async (scope) => registerDocRoutes(scope, deps, limits))
  registerBatchRoute(app, deps, limits)
  registerOpsRoutes(app, deps, () => open, metrics)
  registerAdminRoutes(app, deps)
  registerUiRoutes(app)
  return app
}
