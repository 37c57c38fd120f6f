import { HybridClock, type NodeId } from '@swarmkv/core'
import { Engine, MemoryStore } from '@swarmkv/storage'
import { Membership } from '@swarmkv/replication'
import { buildApp } from '@swarmkv/server'
import { parse } from './args.js'

export const OPENAPI_HELP = `swarmkv openapi — print the HTTP API's OpenAPI 3.1 document (what GET /openapi.json serves)
`

/** The document comes from the route schemas of an app built over an empty in-memory store. */
export async function openapiCommand(argv: string[]): Promise<number> {
  const { values: v } = parse(argv, {})
  if (v.help === true) { process.stdout.write(OPENAPI_HELP); return 0 }
  const store = new MemoryStore()
  await store.open()
  const nodeId = '0000000000000000' as NodeId
  const engine = new Engine(store, { nodeId, clock: new HybridClock() })
  await engine.open()
  const membership = new Membership({ engine, alone: true })
  const app = buildApp({ engine, nodeId, region: 'local', httpUrl: 'http://127.0.0.1:7001', control: { role: 'master', readOnly: false }, membership })
  try {
    const res = await app.inject({ method: 'GET', url: '/openapi.json' })
    process.stdout.write(`${JSON.stringify(res.json(), null, 2)}\n`)
    return 0
  } finally {
    await app.close()
    await engine.close()
    await store.close()
  }
}
