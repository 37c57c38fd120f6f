export const errorSchema = {
  type: 'object',
  required: ['error', 'message'],
  properties: { error: { type: 'string' }, message: { type: 'string' } },
  additionalProperties: true
} as const

export const writeResultSchema = {
  type: 'object',
  required: ['tokens'],
  properties: {
    tokens: { type: 'array', items: { type: 'string' } },
    replicated: { type: 'integer' }
  }
} as const
