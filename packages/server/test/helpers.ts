import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { HybridClock, type NodeId } from '@swarmkv/core'
import { Engine, LevelStore } from '@swarmkv/storage'
import { Membership } from '@swarmkv/replication'
import { buildApp, type NodeControl, type ServerOptions } from '@swarmkv/server'

export const NODE = '0123456789abcdef' as NodeId

/** A real node: LevelDB in a temp dir, the engine, and the app (driven with inject()). */
export async function makeNode(opts: ServerOptions = {}) {
  const dir = await mkdtemp(join(tmpdir(), 'swarmkv-server-'))
  const store = new LevelStore(dir)
  await store.open()
  const engine = new Engine(store, { nodeId: NODE, clock: new HybridClock() })
  await engine.open()
  const control: NodeControl = { role: 'master', readOnly: false }
  // A node alone, as `swarmkv start` without a secret runs it.
  const membership = new Membership({ engine, alone: true })
  const app = buildApp({ engine, nodeId: NODE, region: 'test', httpUrl: 'http://127.0.0.1:0', control, dataDir: dir, logFiles: () => store.logStats, version: '0.0.0-test', membership }, opts)
  await app.ready()
  return {
    app, engine, control, dir,
    async close() {
      await app.close()
      await engine.close()
      await store.close()
      await rm(dir, { recursive: true, force: true })
    }
  }
}

export const kv = (key: string) => `/kv/${encodeURIComponent(key)}`

/** A real node listening on a loopback port: real HTTP, as a client meets it. */
export async function listeningNode(opts: ServerOptions = {}) {
  const n = await makeNode(opts)
  await n.app.listen({ host: '127.0.0.1', port: 0 })
  const addr = n.app.server.address()
  if (addr === null || typeof addr !== 'object') throw new Error('not listening')
  const base = `http://127.0.0.1:${addr.port}`
  return {
    ...n, base, port: addr.port,
    fetch: (path: string, init: RequestInit = {}) => fetch(`${base}${path}`, { redirect: 'manual', ...init })
  }
}
