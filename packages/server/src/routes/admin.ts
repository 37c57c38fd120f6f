import { SwarmError, isNodeId } from '@swarmkv/core'
import type { FastifyInstance } from 'fastify'
import type { Role, ServerDeps } from '../options.js'
import { errorResponses, noQuery } from '../schemas.js'

const vectorSchema = { type: 'object', additionalProperties: { type: 'integer' } } as const

/** Run-time role and read-only switches. */
export function registerAdminRoutes(app: FastifyInstance, deps: ServerDeps): void {
  app.post('/admin/role', {
    schema: {
      summary: 'Switch this node to master or replica',
      querystring: noQuery,
      response: { 200: { type: 'object', required: ['role'], properties: { role: { enum: ['master', 'replica'] } } }, ...errorResponses },
      body: { type: 'object', required: ['role'], additionalProperties: false, properties: { role: { enum: ['master', 'replica'] } } }
    }
  }, async (req) => {
    const { role } = req.body as { role: Role }
    deps.control.role = role
    await deps.persistControl?.(deps.control)
    deps.cluster?.announceMode()
    req.log.info({ role }, 'role changed')
    return { role }
  })

  // The policy (what may go) is the membership's, alone or replicated.
  app.post('/admin/compact', {
    schema: { summary: 'Compact the replication log now', querystring: noQuery, response: { 200: { type: 'object', required: ['floor'], properties: { floor: vectorSchema } }, ...errorResponses } }
  }, async () => ({ floor: await deps.membership.compactOnce() }))

  app.delete('/admin/members/:id', {
    schema: {
      summary: 'Forget a member that left for good',
      params: { type: 'object', required: ['id'], properties: { id: { type: 'string' } } },
      querystring: noQuery,
      response: { 204: { description: 'forgotten', type: 'null' }, ...errorResponses }
    }
  }, async (req, reply) => {
    const { id } = req.params as { id: string }
    if (!isNodeId(id)) throw SwarmError.badRequest('a member id is 16 hex characters')
    if (!(await deps.membership.forget(id))) throw SwarmError.notFound(`member ${id}`)
    return reply.status(204).send()
  })

  app.post('/admin/read-only', {
    schema: {
      summary: 'Make this master refuse writes, or take them again',
      querystring: noQuery,
      response: { 200: { type: 'object', required: ['readOnly'], properties: { readOnly: { type: 'boolean' } } }, ...errorResponses },
      body: { type: 'object', required: ['readOnly'], additionalProperties: false, properties: { readOnly: { type: 'boolean' } } }
    }
  }, async (req) => {
    const { readOnly } = req.body as { readOnly: boolean }
    deps.control.readOnly = readOnly
    await deps.persistControl?.(deps.control)
    deps.cluster?.announceMode()
    req.log.info({ readOnly }, 'read-only switched')
    return { readOnly }
  })
}
