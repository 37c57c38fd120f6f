/**
 * Redis 7 baseline: a primary with one replica on loopback (both on the server core, in temp dirs,
 * AOF on), redis-benchmark SET on the load core, and the replica's visibility lag measured with
 * keyspace notifications while the SET load runs.
 */
import { createWriteStream } from 'node:fs'
import { mkdir } from 'node:fs/promises'
import { join } from 'node:path'
import { spawn } from 'node:child_process'
import { freeTcpPort } from '@swarmkv/testkit'
import { LOAD_CORE, SERVER_CORE, pinnedCommand } from '../lib/pin.js'
import { startProcess, stopProcess } from '../lib/child.js'
import { respConnect } from './resp.js'
import { paced } from '../lib/pace.js'
import type { ChildProcess } from 'node:child_process'
import type { Ctx, Latency } from '../lib/types.js'

export interface RedisServer { child: ChildProcess; pid: number; port: number; stop(): Promise<void> }
export interface RedisPair { primary: RedisServer; replica: RedisServer; setFsync(mode: string): Promise<void>; stop(): Promise<void> }
export interface RedisBench { reqPerSec: number; latencyMs: Latency }

async function startRedis(ctx: Ctx, name: string, port: number, extra: string[]): Promise<RedisServer> {
  const dir = join(ctx.tmp, name)
  await mkdir(dir, { recursive: true })
  const log = createWriteStream(join(ctx.tmp, `${name}.log`))
  const [cmd, args] = pinnedCommand(ctx.pin, SERVER_CORE, 'redis-server', [
    '--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--save', '', '--appendonly', 'yes',
    '--appendfsync', 'everysec', '--protected-mode', 'no', ...extra
  ])
  const { child, pid } = await startProcess(cmd, args, { ready: /Ready to accept connections/, log })
  return { child, pid, port, stop: async () => { await stopProcess(child); log.end() } }
}

export async function startRedisPair(ctx: Ctx): Promise<RedisPair> {
  const primary = await startRedis(ctx, 'redis-primary', await freeTcpPort(), [])
  const replica = await startRedis(ctx, 'redis-replica', await freeTcpPort(), ['--replicaof', '127.0.0.1', String(primary.port)])
  const r = await respConnect(replica.port)
  try {
    const deadline = Date.now() + 15_000
    while (!String(await r.command('INFO', 'replication')).includes('master_link_status:up')) {
      if (Date.now() > deadline) throw new Error('the Redis replica did not connect to its primary within 15 s')
      await new Promise((res) => setTimeout(res, 100))
    }
  } finally {
    r.close()
  }
  return {
    primary, replica,
    async setFsync(mode: string) {
      const c = await respConnect(primary.port)
      try { await c.command('CONFIG', 'SET', 'appendfsync', mode) } finally { c.close() }
    },
    async stop() {
      await replica.stop()
      await primary.stop()
    }
  }
}

/** Parses redis-benchmark's default output: throughput and the percentile distribution. */
export function parseRedisBenchmark(text: string): RedisBench {
  const rps = /throughput summary:\s+([\d.]+) requests per second/.exec(text)
  const dist: Array<[number, number]> = [...text.matchAll(/^\s*([\d.]+)% <= ([\d.]+) milliseconds/gm)].map((m) => [Number(m[1]), Number(m[2])])
  const at = (p: number): number => dist.find(([q]) => q >= p)?.[1] ?? NaN
  const summary = /avg\s+min\s+p50\s+p95\s+p99\s+max\s*\n\s*([\d.]+)\s+([\d.]+)\s+([\d.]+)\s+([\d.]+)\s+([\d.]+)\s+([\d.]+)/.exec(text)
  return {
    reqPerSec: rps === null ? NaN : Number(rps[1]),
    latencyMs: {
      p50: summary === null ? at(50) : Number(summary[3]),
      p90: at(90),
      p99: summary === null ? at(99) : Number(summary[5]),
      mean: summary === null ? NaN : Number(summary[1]),
      max: summary === null ? NaN : Number(summary[6])
    }
  }
}

/** Runs redis-benchmark SET on the load core; bounded by -n and by `limitS`. */
export function redisBenchmark(ctx: Ctx, { port, requests, connections, pipelining, keySpace, valueBytes, limitS }: {
  port: number; requests: number; connections: number; pipelining: number; keySpace: number; valueBytes: number; limitS: number
}): { child: ChildProcess; done: Promise<RedisBench>; stop: () => void } {
  const [cmd, args] = pinnedCommand(ctx.pin, LOAD_CORE, 'redis-benchmark', [
    '-h', '127.0.0.1', '-p', String(port), '-t', 'set', '-n', String(requests), '-c', String(connections),
    '-P', String(pipelining), '-r', String(keySpace), '-d', String(valueBytes)
  ])
  const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] })
  let out = ''
  child.stdout.on('data', (c: Buffer) => { out += c.toString() })
  child.stderr.on('data', (c: Buffer) => { out += c.toString() })
  const killer = setTimeout(() => child.kill('SIGKILL'), limitS * 1000)
  const done = new Promise<RedisBench>((resolve, reject) => {
    child.on('exit', (code, signal) => {
      clearTimeout(killer)
      if (code === 0) resolve(parseRedisBenchmark(out))
      else reject(new Error(`redis-benchmark exited (${signal ?? code}): ${out.split('\n').slice(-3).join(' ')}`))
    })
  })
  return { child, done, stop: () => { child.kill('SIGINT') } }
}

/**
 * Visibility lag on the replica: SET lag:<i> on the primary at `rate`/s; the replica's keyspace
 * notification marks visibility. Lag = notification time minus the SET's acknowledgement (0 when
 * the replica had it first).
 */
export async function redisLag({ primaryPort, replicaPort, rate, durationS }: { primaryPort: number; replicaPort: number; rate: number; durationS: number }): Promise<{ lags: number[]; missing: number; writes: number }> {
  const writer = await respConnect(primaryPort)
  const cfg = await respConnect(replicaPort)
  const sub = await respConnect(replicaPort)
  const acked = new Map<string, number>()
  const seen = new Map<string, number>()
  try {
    await cfg.command('CONFIG', 'SET', 'notify-keyspace-events', 'K$')
    await sub.psubscribe('__keyspace@0__:lag:*', (m) => {
      const key = String(m[2]).slice('__keyspace@0__:'.length)
      if (!seen.has(key)) seen.set(key, performance.now())
    })
    await paced({
      rate, durationS,
      fire: async (i: number) => {
        const key = `lag:${i}`
        await writer.command('SET', key, 'x'.repeat(100))
        acked.set(key, performance.now())
      }
    })
    await new Promise((r) => setTimeout(r, 1000))
  } finally {
    writer.close(); cfg.close(); sub.close()
  }
  const lags: number[] = []
  let missing = 0
  for (const [key, t] of acked) {
    const v = seen.get(key)
    if (v === undefined) missing++
    else lags.push(Math.max(0, v - t))
  }
  return { lags, missing, writes: acked.size }
}
