import { SwarmError, formatVV } from '@swarmkv/core'
import type { FastifyInstance } from 'fastify'
import type { ServerDeps } from '../options.js'
import type { NodeMetrics } from '../metrics/node-metrics.js'

/** Health, readiness, cluster view, digest and metrics. */
export function registerOpsRoutes(app: FastifyInstance, deps: ServerDeps, isOpen: () => boolean, metrics: NodeMetrics): void {
  const { engine } = deps
  const version = deps.version ?? '0.0.0'

  app.get('/health', async () => ({ status: 'ok', version }))

  app.get('/ready', async (_req, reply) => {
    const joined = deps.cluster === undefined || deps.cluster.joined()
    if (!isOpen() || !joined) {
      throw new SwarmError('NOT_READY', isOpen() ? 'not joined to the swarm yet' : 'store is not open')
    }
    return reply.send({ ready: true })
  })

  app.get('/cluster', async () => {
    const applied = engine.applied
    return {
      self: {
        nodeId: deps.nodeId, publicKey: deps.publicKey ?? null, role: deps.control.role, readOnly: deps.control.readOnly, region: deps.region,
        httpUrl: deps.httpUrl, version, seq: engine.seq, applied, context: formatVV(applied),
        behind: deps.cluster?.behind() ?? []
      },
      peers: deps.cluster?.peers() ?? []
    }
  })

  app.get('/admin/digest', async () => {
    const { digest, keys } = await engine.digest()
    return { digest, keys, applied: engine.applied }
  })

  app.get('/metrics', async (_req, reply) => {
    return reply.type(metrics.registry.contentType).send(await metrics.metrics())
  })
}
