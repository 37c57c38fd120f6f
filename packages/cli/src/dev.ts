import { spawn } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { mkdir, readFile, writeFile } from 'node:fs/promises'
import { join, resolve } from 'node:path'
import { delay, foregroundScheduler, realScheduler, type Scheduler } from '@swarmkv/core'
import { startBootstrap } from '@swarmkv/replication'
import { parse, str, int } from './args.js'
import { untilSignal } from './start.js'
import { nodeLaunchOf } from '@swarmkv/core/node-launch'
import { BIN } from './bin-path.js'
import { describeExit, isCleanExit, stopAll, supervise, type ChildExit, type Supervised } from './supervise.js'

export const DEV_HELP = `swarmkv dev — a local cluster in one command: 2 masters and 1 replica on 127.0.0.1

  --base-port N   HTTP ports N+1, N+2, N+3; DHT bootstrap on N+100, node DHTs on N+101… (default 7000)
  --data DIR      data directories live under DIR (default ./.data/dev); kept across runs
  --fsync MODE    always|batch|off (default batch)
`

const READY_TIMEOUT_MS = 60_000
const DEV_STOP_SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const

/** Polls each node's /cluster until every one sees the others connected; false on timeout or stop. */
async function untilConnected(urls: readonly string[], stopped: () => boolean, timeoutMs: number, scheduler: Scheduler): Promise<boolean> {
  const deadline = scheduler.now() + timeoutMs
  const connected = async (url: string) => {
    try {
      const res = await fetch(`${url}/cluster`, { signal: AbortSignal.timeout(1000) })
      if (!res.ok) return false
      const body = (await res.json()) as { peers?: Array<{ connected?: boolean }> }
      return (body.peers ?? []).filter((p) => p.connected === true).length >= urls.length - 1
    } catch {
      return false
    }
  }
  while (!stopped() && scheduler.now() < deadline) {
    if ((await Promise.all(urls.map(connected))).every(Boolean)) return true
    await delay(scheduler, 200)
  }
  return false
}

export async function devCommand(argv: string[]): Promise<number> {
  const { values: v } = parse(argv, { 'base-port': { type: 'string' }, data: { type: 'string' }, fsync: { type: 'string' } })
  if (v.help === true) { process.stdout.write(DEV_HELP); return 0 }
  const base = int(v['base-port'], 7000, 'base-port')
  const data = resolve(str(v.data, './.data/dev'))
  await mkdir(data, { recursive: true })
  // One secret per dev cluster, kept with its data so restarts rejoin the same cluster.
  const secretFile = join(data, 'cluster.secret')
  let secret: string
  try {
    secret = (await readFile(secretFile, 'utf8')).trim()
  } catch {
    secret = randomBytes(16).toString('hex')
    await writeFile(secretFile, secret + '\n', { mode: 0o600 })
  }
  const bootstrap = await startBootstrap('127.0.0.1', base + 100)
  const nodes = [
    { name: 'master-1', role: 'master', port: base + 1 },
    { name: 'master-2', role: 'master', port: base + 2 },
    { name: 'replica-1', role: 'replica', port: base + 3 }
  ]
  const children: Supervised[] = []
  const launch = nodeLaunchOf(BIN)
  for (const [i, n] of nodes.entries()) {
    const child = spawn(process.execPath, [
      ...launch.flags, BIN, 'start', '--role', n.role, '--http', `127.0.0.1:${n.port}`, '--data', join(data, n.name),
      '--cluster', 'dev', '--secret', secret, '--region', 'local', '--bootstrap', `127.0.0.1:${bootstrap.port}`,
      '--dht-port', String(base + 101 + i), '--fsync', str(v.fsync, 'batch')
    // A process group of its own (detached), so a Ctrl-C in the terminal reaches dev alone and each
    // node gets one signal, dev's SIGTERM: a node that had the terminal's SIGINT too was killed by
    // that SIGTERM in the middle of its close (a second signal ends a stopping node at once).
    ], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...launch.env }, detached: true })
    const prefix = (chunk: Buffer) => chunk.toString().split('\n').filter((l) => l !== '').map((l) => `[${n.name}] ${l}\n`).join('')
    child.stdout?.on('data', (c: Buffer) => process.stdout.write(prefix(c)))
    child.stderr?.on('data', (c: Buffer) => process.stderr.write(prefix(c)))
    children.push(supervise(n.name, child))
  }
  process.stdout.write([
    '',
    'swarmkv dev cluster',
    ...nodes.map((n, i) => `  ${n.name.padEnd(10)} http://127.0.0.1:${n.port}  (pid ${children[i]?.child.pid ?? '?'})`),
    `  bootstrap  127.0.0.1:${bootstrap.port} (udp)`,
    `  data       ${data}`,
    '',
    'Starting… Ctrl-C stops the cluster.',
    ''
  ].join('\n'))
  // Out of the terminal's process group, the nodes would outlive a dev that crashed: not so.
  process.once('exit', () => { for (const c of children) if (c.running()) c.child.kill('SIGTERM') })
  // Dev stops on a signal (SIGHUP too: the nodes are out of the terminal's reach), or when a node
  // ends before it was asked to: that is a death, reported at once and fatal to dev.
  let stopped = false
  const noSignal = new AbortController()
  const exitCode = Promise.race([
    untilSignal(noSignal.signal, DEV_STOP_SIGNALS).then(() => undefined),
    Promise.race(children.map((c) => c.ended))
  ]).then((died) => {
    stopped = true
    noSignal.abort()
    return shutDown(children, died, () => bootstrap.stop())
  })
  // The tour's first commands need every node listening and connected to the other two.
  // The composition root picks the clock; a poll that may be all this process does keeps it alive.
  const scheduler = foregroundScheduler
  const started = scheduler.now()
  const urls = nodes.map((n) => `http://127.0.0.1:${n.port}`)
  if (await untilConnected(urls, () => stopped, READY_TIMEOUT_MS, scheduler)) {
    process.stdout.write([
      '',
      `cluster ready in ${((scheduler.now() - started) / 1000).toFixed(1)} s: every node is up and connected to the other two.`,
      `Try: curl -X PUT --data hello ${urls[0]}/kv/greeting && curl ${urls[2]}/kv/greeting`,
      `Dashboard: ${urls[0]}/ui (every node serves one)`,
      ''
    ].join('\n'))
  } else if (!stopped) {
    process.stdout.write(`\nthe nodes are not all connected after ${READY_TIMEOUT_MS / 1000} s; they keep trying (see GET /cluster on each)\n`)
  }
  return await exitCode
}

/**
 * Stops every node still up and then the bootstrap; resolves with dev's exit code: 0 when no node
 * died (`died`) and every one closed cleanly, else 1. Called in the same tick as the first signal's
 * listeners come off, so a second signal always finds the one that kills the nodes still stopping.
 */
async function shutDown(children: readonly Supervised[], died: ChildExit | undefined, stopBootstrap: () => Promise<void>): Promise<number> {
  if (died !== undefined) process.stderr.write(`swarmkv dev: ${describeExit(died)}; stopping the other nodes\n`)
  const noForce = new AbortController()
  const force = untilSignal(noForce.signal, DEV_STOP_SIGNALS)
  const exits = await stopAll(children, realScheduler, (name) => process.stderr.write(`swarmkv dev: killing ${name}, which has not stopped\n`), { force })
  noForce.abort()
  for (const e of exits) if (e !== died && !isCleanExit(e)) process.stderr.write(`swarmkv dev: ${describeExit(e)}\n`)
  await stopBootstrap()
  return died === undefined && exits.every(isCleanExit) ? 0 : 1
}
