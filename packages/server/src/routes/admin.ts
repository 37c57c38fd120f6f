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
    deps.cluster?.setRole(role)
    return { role }
  })

  app.post('/admin/read-only', {
    schema: {
      body: { type: 'object', required: ['readOnly'], additionalProperties: false, properties: { readOnly: { type: 'boolean' } } }
    }
  }, async (req) => {
    const { readOnly } = req.body as { readOnly: boolean }
    deps.control.readOnly = readOnly
    return { readOnly }
  })
}
