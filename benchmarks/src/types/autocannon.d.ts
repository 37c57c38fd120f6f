/** The part of autocannon 9's API the benchmarks use (it ships no types). */
declare module 'autocannon' {
  import type { EventEmitter } from 'node:events'

  export interface Request { method?: string; path?: string; headers?: Record<string, string>; body?: string | Buffer }
  export interface Options {
    url: string
    connections?: number
    pipelining?: number
    duration?: number
    amount?: number
    timeout?: number
    requests?: Array<{ setupRequest?: (req: Request) => Request }>
  }
  export interface Histogram { average: number; p50: number; p90: number; p99: number; max: number; total?: number }
  export interface Result {
    duration: number
    requests: Histogram
    totalCompletedRequests?: number
    latency: Histogram
    errors: number
    timeouts: number
    non2xx: number
    statusCodeStats?: Record<string, { count: number }>
  }
  export type Instance = EventEmitter
  function autocannon(opts: Options, cb: (err: Error | null, result: Result) => void): Instance
  export default autocannon
}
