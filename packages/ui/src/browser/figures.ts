import type { Sample } from './prom.js'

/** Counters the dashboard turns into rates; each is a running total since the node started. */
export interface Totals {
  /** HTTP requests that write: PUT/PATCH/DELETE/POST on /kv, /docs and /batch routes. */
  readonly writes: number
  /** HTTP requests that read: GET/HEAD on /kv and /docs routes. */
  readonly reads: number
  /** Register reads (swarmkv_read_siblings_count). */
  readonly registerReads: number
  /** Register reads that found more than one sibling. */
  readonly conflicts: number
  /** Siblings summed over every register read. */
  readonly siblings: number
}

/** A rate or figure the node does not publish is unknown, never 0. */
export type Figure = number | null

const WRITE_METHODS = new Set(['PUT', 'PATCH', 'DELETE', 'POST'])
const READ_METHODS = new Set(['GET', 'HEAD'])
const DATA_ROUTE = /^\/(kv|docs|batch)(\/|$)/

/**
 * Totals from one /metrics scrape (the names are the contract with the observability work:
 * swarmkv_http_request_duration_seconds_count{route,method,status} and the
 * swarmkv_read_siblings histogram). A figure the node does not publish is left out.
 */
export function totalsOf(samples: readonly Sample[]): Partial<Record<keyof Totals, number>> {
  const t: Partial<Record<keyof Totals, number>> = {}
  const add = (k: keyof Totals, v: number) => { t[k] = (t[k] ?? 0) + v }
  let le1: number | undefined
  for (const s of samples) {
    switch (s.name) {
      case 'swarmkv_http_request_duration_seconds_count': {
        const route = s.labels.route ?? ''
        const method = (s.labels.method ?? '').toUpperCase()
        // A node that counts requests (the dashboard's own polls are some) has seen none of a
        // kind until that kind's series appears: 0, not unknown.
        const data = DATA_ROUTE.test(route)
        add('writes', data && WRITE_METHODS.has(method) ? s.value : 0)
        add('reads', data && READ_METHODS.has(method) ? s.value : 0)
        break
      }
      case 'swarmkv_read_siblings_count': add('registerReads', s.value); break
      case 'swarmkv_read_siblings_sum': add('siblings', s.value); break
      case 'swarmkv_read_siblings_bucket':
        if (Number(s.labels.le) === 1) le1 = (le1 ?? 0) + s.value
        break
      default: break
    }
  }
  if (t.registerReads !== undefined && le1 !== undefined) t.conflicts = t.registerReads - le1
  return t
}

/**
 * Per-second rate between two scrapes. Unknown when either side lacks the counter, when no
 * time passed, or when the counter went down (the node restarted: its counters began again).
 */
export function rate(prev: number | undefined, cur: number | undefined, seconds: number): Figure {
  if (prev === undefined || cur === undefined || seconds <= 0 || cur < prev) return null
  return (cur - prev) / seconds
}

/** One labelled gauge per peer, e.g. swarmkv_peer_connected{peer}. */
export function perPeer(samples: readonly Sample[], name: string): Map<string, number> {
  const out = new Map<string, number>()
  for (const s of samples) if (s.name === name && s.labels.peer !== undefined) out.set(s.labels.peer, s.value)
  return out
}

/** The value of an unlabelled series (or the first one with that name). */
export function single(samples: readonly Sample[], name: string): Figure {
  return samples.find((s) => s.name === name)?.value ?? null
}
