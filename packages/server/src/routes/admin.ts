import { SwarmError, isNodeId } from '@swarmkv/core'
import type { FastifyInstance } from 'fastify'
import type { Role, ServerDeps } from '../options.js'

/** Run-time role and read-only switches. */
export function registerAdminRoutes(app: FastifyInstance, deps: ServerDeps): void {
  app.post('/admin/role', {
    schema: {
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

  // Without replication nothing needs the log: everything applied may go.
  app.post('/admin/compact', async () => {
    if (deps.cluster !== undefined) return { floor: await deps.cluster.compact() }
    const floor = await deps.engine.compact(deps.engine.applied)
    await deps.engine.collectTombstones(floor)
    return { floor }
  })

  app.delete('/admin/members/:id', async (req, reply) => {
    const { id } = req.params as { id: string }
    if (!isNodeId(id)) throw SwarmError.badRequest('a member id is 16 hex characters')
    if (deps.cluster === undefined || !(await deps.cluster.forgetMember(id))) throw SwarmError.notFound(`member ${id}`)
    return reply.status(204).send()
  })

  app.post('/admin/read-only', {
    schema: {
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
