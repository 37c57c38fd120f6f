import { randomBytes } from 'node:crypto'

/**
 * Request factories for the Node load generators (autocannon's setupRequest, the paced client),
 * built inside the load generator process from a plain description (functions do not cross
 * process boundaries). Keys are drawn uniformly at random from the key space on every request.
 * wrk draws the same requests in Lua: benchmarks/wrk/kv.lua.
 */
export type WorkloadKind = 'put' | 'get' | 'mix' | 'etcd-put' | 'doc-patch'

export interface Workload {
  kind: WorkloadKind
  keySpace: number
  valueBytes?: number
  /** The share of GETs in a mix. */
  readRatio?: number
  keyPrefix?: string
}

export interface HttpRequest { method: string; path: string; headers?: Record<string, string>; body?: Buffer | string }

function keyOf(w: Workload): string {
  return `${w.keyPrefix ?? 'k'}${Math.floor(Math.random() * w.keySpace)}`
}

const OCTETS = { 'content-type': 'application/octet-stream' }

/**
 * Random (incompressible) values, drawn per request from a pool, so LevelDB's compression does not
 * flatter the data dir size or the write cost.
 */
function valuePool(bytes: number, count = 256): Buffer[] {
  return Array.from({ length: count }, () => randomBytes(bytes))
}

function pick<T>(pool: T[]): T {
  return pool[Math.floor(Math.random() * pool.length)] as T
}

/** The one request of a workload, drawn anew on every call. */
export function requestFactory(w: Workload): () => HttpRequest {
  const values = valuePool(w.valueBytes ?? 100)
  switch (w.kind) {
    case 'put':
      return () => ({ method: 'PUT', path: `/kv/${keyOf(w)}`, headers: OCTETS, body: pick(values) })
    case 'get':
      return () => ({ method: 'GET', path: `/kv/${keyOf(w)}` })
    case 'mix': {
      const reads = w.readRatio ?? 0.9
      return () => Math.random() < reads
        ? { method: 'GET', path: `/kv/${keyOf(w)}` }
        : { method: 'PUT', path: `/kv/${keyOf(w)}`, headers: OCTETS, body: pick(values) }
    }
    case 'etcd-put': {
      const v64 = values.map((v) => v.toString('base64'))
      const json = { 'content-type': 'application/json' }
      return () => ({
        method: 'POST',
        path: '/v3/kv/put',
        headers: json,
        body: JSON.stringify({ key: Buffer.from(keyOf(w)).toString('base64'), value: pick(v64) })
      })
    }
    case 'doc-patch': {
      const patch = { 'content-type': 'application/merge-patch+json' }
      let n = 0
      return () => ({
        method: 'PATCH',
        path: `/docs/${keyOf(w)}`,
        headers: patch,
        body: JSON.stringify({ [`f${n % 8}`]: n++ })
      })
    }
  }
}
