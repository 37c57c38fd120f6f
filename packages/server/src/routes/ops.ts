import { SwarmError, formatVV } from '@swarmkv/core'
import type { FastifyInstance } from 'fastify'
import type { ServerDeps } from '../options.js'
import type { NodeMetrics } from '../metrics/node-metrics.js'
import { clusterSchema, errorResponses, noQuery } from '../schemas.js'

const vectorSchema = { type: 'object', additionalProperties: { type: 'integer' } } as const

/** Health, readiness, cluster view, digest and metrics. */
export function registerOpsRoutes(app: FastifyInstance, deps: ServerDeps, isOpen: () => boolean, metrics: NodeMetrics): void {
  const { engine } = deps
  const version = deps.version ?? '0.0.0'

  app.get('/health', {
    schema: {
      summary: 'The process is up', querystring: noQuery,
      response: { 200: { type: 'object', required: ['status', 'version'], properties: { status: { const: 'ok' }, version: { type: 'string' } } }, ...errorResponses }
    }
  }, async () => ({ status: 'ok', version }))

  app.get('/ready', {
    schema: { summary: 'The store is open and the swarm joined', querystring: noQuery, response: { 200: { type: 'object', required: ['ready'], properties: { ready: { const: true } } }, ...errorResponses } }
  }, async (_req, reply) => {
    const joined = deps.cluster === undefined || deps.cluster.joined()
    if (!isOpen() || !joined) {
      throw new SwarmError('NOT_READY', isOpen() ? 'not joined to the swarm yet' : 'store is not open')
    }
    return reply.send({ ready: true })
  })

  app.get('/cluster', { schema: { summary: 'This node and every peer it knows', querystring: noQuery, response: { 200: clusterSchema, ...errorResponses } } }, async () => {
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

  app.get('/admin/digest', {
    schema: {
      summary: 'A hash of every key state: equal digests, identical state',
      querystring: noQuery,
      response: { 200: { type: 'object', required: ['digest', 'keys', 'applied'], properties: { digest: { type: 'string' }, keys: { type: 'integer' }, applied: vectorSchema } }, ...errorResponses }
    }
  }, async () => {
    const { digest, keys } = await engine.digest()
    return { digest, keys, applied: engine.applied }
  })

  app.get('/metrics', {
    schema: { summary: 'Prometheus metrics', querystring: noQuery, response: { 200: { description: 'Prometheus text format', content: { 'text/plain': { schema: { type: 'string' } } } }, ...errorResponses } }
  }, async (_req, reply) => {
    return reply.type(metrics.registry.contentType).send(await metrics.metrics())
  })
}
