import { SwarmkvClient } from '@swarmkv/client'
import { str } from './args.js'

/** The options every client command takes. */
export const CLIENT_OPTIONS = {
  url: { type: 'string' }, token: { type: 'string' }
} as const

export const CLIENT_OPTIONS_HELP = `  --url URL[,URL…]  nodes to call, in turn on failure (default $SWARMKV_URL or http://127.0.0.1:7001)
  --token T         bearer token (default $SWARMKV_TOKEN)
`

export function clientFrom(v: Record<string, string | boolean | undefined>): SwarmkvClient {
  const token = typeof v.token === 'string' ? v.token : process.env.SWARMKV_TOKEN
  const urls = str(v.url, process.env.SWARMKV_URL ?? 'http://127.0.0.1:7001').split(',').map((u) => u.trim()).filter((u) => u !== '')
  return new SwarmkvClient({ urls, ...(token !== undefined ? { token } : {}) })
}
