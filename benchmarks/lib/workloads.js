import { randomBytes } from 'node:crypto'

/**
 * Request factories for autocannon's setupRequest, built inside the load generator process from a
 * plain description (functions do not cross process boundaries). Keys are drawn uniformly at random
 * from the key space on every request.
 */

function keyOf(w) {
  return `${w.keyPrefix ?? 'k'}${Math.floor(Math.random() * w.keySpace)}`
}

const OCTETS = { 'content-type': 'application/octet-stream' }

/**
 * Random (incompressible) values, drawn per request from a pool, so LevelDB's compression does not
 * flatter the data dir size or the write cost.
 */
function valuePool(bytes, count = 256) {
  return Array.from({ length: count }, () => randomBytes(bytes))
}

function pick(pool) {
  return pool[Math.floor(Math.random() * pool.length)]
}

/** The one request of a workload: returns an autocannon request object. */
export function requestFactory(w) {
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
    default:
      throw new Error(`unknown workload ${w.kind}`)
  }
}
