import { request } from 'node:http'

export interface Ack {
  readonly key: string
  readonly value: string
  readonly deleted: boolean
  readonly token: string
  readonly node: string
}

/** One HTTP write with keep-alive; resolves with the token, or undefined when it was not acknowledged. */
export function httpWrite(url: string, method: 'PUT' | 'DELETE', key: string, value?: string, headers: Record<string, string> = {}): Promise<string | undefined> {
  return new Promise((resolve) => {
    const u = new URL(`/kv/${encodeURIComponent(key)}`, url)
    const req = request(u, { method, agent: keepAlive, headers: { ...(value !== undefined ? { 'content-type': 'text/plain' } : {}), ...headers } }, (res) => {
      res.resume()
      res.on('end', () => resolve(res.statusCode === 200 || res.statusCode === 201 ? (res.headers['x-write-token'] as string) : undefined))
      res.on('error', () => resolve(undefined))
    })
    req.on('error', () => resolve(undefined))
    req.end(value)
  })
}

/** One merge patch of a document; resolves true when it was acknowledged. */
export function httpPatchDoc(url: string, key: string, patch: Record<string, unknown>): Promise<boolean> {
  return new Promise((resolve) => {
    const u = new URL(`/docs/${encodeURIComponent(key)}`, url)
    const req = request(u, { method: 'PATCH', agent: keepAlive, headers: { 'content-type': 'application/merge-patch+json' } }, (res) => {
      res.resume()
      res.on('end', () => resolve(res.statusCode === 200 || res.statusCode === 201))
      res.on('error', () => resolve(false))
    })
    req.on('error', () => resolve(false))
    req.end(JSON.stringify(patch))
  })
}

import { Agent } from 'node:http'
const keepAlive = new Agent({ keepAlive: true, maxSockets: 256 })

export function seqOf(token: string): number {
  return Number(token.slice(token.lastIndexOf(':') + 1))
}

/** Runs `workers` loops of `perWorker` steps each; every loop is bounded, so the load stops by itself. */
export async function runLoad(workers: number, perWorker: number, step: (worker: number, i: number) => Promise<void>): Promise<void> {
  await Promise.all(Array.from({ length: workers }, async (_, w) => {
    for (let i = 0; i < perWorker; i++) await step(w, i)
  }))
}
