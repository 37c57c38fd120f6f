import { execFileSync } from 'node:child_process'
import { readFileSync } from 'node:fs'
import os from 'node:os'

/** The installed version of a dependency of this package (read from disk: not every package exports its package.json). */
function version(pkg) {
  try {
    return JSON.parse(readFileSync(new URL(`../node_modules/${pkg}/package.json`, import.meta.url), 'utf8')).version
  } catch {
    return null
  }
}

/** First line of `cmd --version`, or null when it is not installed. */
export function toolVersion(cmd, args = ['--version']) {
  try {
    return execFileSync(cmd, args, { stdio: ['ignore', 'pipe', 'ignore'] }).toString().split('\n')[0].trim()
  } catch {
    return null
  }
}

function gitRev() {
  try {
    return execFileSync('git', ['rev-parse', '--short', 'HEAD'], { stdio: ['ignore', 'pipe', 'ignore'] }).toString().trim()
  } catch {
    return null
  }
}

export function machineInfo() {
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

export function versions() {
  return {
    node: process.version,
    swarmkv: version('@swarmkv/testkit'),
    gitRev: gitRev(),
    fastify: version('fastify'),
    autocannon: version('autocannon'),
    vega: version('vega'),
    vegaLite: version('vega-lite'),
    redis: toolVersion('redis-server'),
    etcd: toolVersion('etcd')
  }
}
