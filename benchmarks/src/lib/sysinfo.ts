import { execFileSync } from 'node:child_process'
import { closeSync, fdatasyncSync, openSync, readFileSync, rmSync, writeSync } from 'node:fs'
import { join } from 'node:path'
import os from 'node:os'
import { spawnSync } from 'node:child_process'
import { BENCH_DIR } from './options.js'
import type { FsyncFigures, Machine } from './types.js'

/** The installed version of a dependency of this package (read from disk: not every package exports its package.json). */
function version(pkg: string): string | null {
  try {
    return (JSON.parse(readFileSync(join(BENCH_DIR, 'node_modules', pkg, 'package.json'), 'utf8')) as { version: string }).version
  } catch {
    return null
  }
}

/** First line of `cmd --version`, or null when it is not installed. */
export function toolVersion(cmd: string, args = ['--version']): string | null {
  try {
    return execFileSync(cmd, args, { stdio: ['ignore', 'pipe', 'ignore'] }).toString().split('\n')[0]?.trim() ?? null
  } catch {
    return null
  }
}

/** wrk prints its version with `-v` and exits 1: the first line of its output, or null. */
export function wrkVersion(): string | null {
  const r = spawnSync('wrk', ['-v'], { encoding: 'utf8' })
  if (r.error !== undefined) return null
  return `${r.stdout}${r.stderr}`.split('\n')[0]?.trim() ?? null
}

/** The short commit of the checkout, or null outside git. */
export function gitRev(): string | null {
  try {
    return execFileSync('git', ['rev-parse', '--short', 'HEAD'], { stdio: ['ignore', 'pipe', 'ignore'] }).toString().trim()
  } catch {
    return null
  }
}

export function machineInfo(): Machine {
  const cpus = os.cpus()
  let kernel = os.release()
  try { kernel = readFileSync('/proc/version', 'utf8').split(' ').slice(0, 3).join(' ') } catch { /* not Linux */ }
  return {
    hostname: os.hostname(),
    platform: `${os.platform()} ${os.arch()}`,
    kernel,
    cpuModel: cpus[0]?.model ?? 'unknown',
    cores: os.cpus().length,
    memGiB: Math.round((os.totalmem() / 2 ** 30) * 10) / 10,
    loadAvg: os.loadavg().map((x) => Math.round(x * 100) / 100)
  }
}

export function versions(): Record<string, string | null> {
  return {
    node: process.version,
    swarmkv: version('@swarmkv/testkit'),
    gitRev: gitRev(),
    fastify: version('fastify'),
    autocannon: version('autocannon'),
    wrk: wrkVersion(),
    vega: version('vega'),
    vegaLite: version('vega-lite'),
    redis: toolVersion('redis-server'),
    etcd: toolVersion('etcd')
  }
}

/**
 * The machine's CPU time counters (/proc/stat, all cores): `steal` is time the hypervisor gave to
 * other guests while this one had work. Undefined off Linux.
 */
export interface CpuTimes { total: number; steal: number }

export function cpuTimes(): CpuTimes | undefined {
  try {
    const f = (readFileSync('/proc/stat', 'utf8').split('\n')[0] ?? '').trim().split(/\s+/).slice(1).map(Number)
    return { total: f.reduce((a, b) => a + b, 0), steal: f[7] ?? 0 }
  } catch {
    return undefined
  }
}

/** Percent of the machine's CPU time stolen by the hypervisor between two cpuTimes() readings. */
export function stealPct(a: CpuTimes | undefined, b: CpuTimes | undefined): number | null {
  if (a === undefined || b === undefined || b.total <= a.total) return null
  return Math.round((1000 * (b.steal - a.steal)) / (b.total - a.total)) / 10
}

/**
 * The disk's durable-write latency where the benchmarks keep their data: `rounds` times, 4 KiB
 * appended to a file in `dir` and fdatasync'ed. A durable PUT waits for one of these (its group
 * commit's), so on a slow or busy disk this, not the CPU, bounds the write figures.
 */
export function fsyncLatencyMs(dir: string, rounds = 50): FsyncFigures {
  const file = join(dir, `fsync-probe-${process.pid}`)
  const fd = openSync(file, 'w')
  const block = Buffer.alloc(4096, 1)
  const times: number[] = []
  try {
    for (let i = 0; i < rounds; i++) {
      const t0 = performance.now()
      writeSync(fd, block)
      fdatasyncSync(fd)
      times.push(performance.now() - t0)
    }
  } finally {
    closeSync(fd)
    rmSync(file, { force: true })
  }
  times.sort((a, b) => a - b)
  const at = (q: number): number => Math.round((times[Math.min(times.length - 1, Math.floor(q * times.length))] ?? NaN) * 100) / 100
  return { p50: at(0.5), p99: at(0.99), rounds }
}

