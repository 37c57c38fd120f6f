import { spawn } from 'node:child_process'
import { createServer } from 'node:net'
import { createSocket } from 'node:dgram'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { SwarmkvClient } from '@swarmkv/client'
import { SWARMKV_BIN, waitUntil } from '@swarmkv/testkit'

const tcpFree = (port: number) => new Promise<boolean>((r) => {
  const s = createServer().once('error', () => r(false)).listen(port, '127.0.0.1', () => s.close(() => r(true)))
})
const udpFree = (port: number) => new Promise<boolean>((r) => {
  const s = createSocket('udp4').once('error', () => r(false))
  s.bind(port, '127.0.0.1', () => s.close(() => r(true)))
})

async function freeBase(): Promise<number> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const base = 20_000 + Math.floor(Math.random() * 2000) * 10
    const ok = (await Promise.all([1, 2, 3].map((i) => tcpFree(base + i)))).every(Boolean) &&
      (await Promise.all([100, 101, 102, 103].map((i) => udpFree(base + i)))).every(Boolean)
    if (ok) return base
  }
  throw new Error('no free port range')
}

interface Dev {
  base: number
  urls: string[]
  output: () => string
  /** The exit code, or the signal that killed dev; dev never leaves it pending past the test's bound. */
  exited: Promise<number | NodeJS.Signals | null>
  pid: number
  /** Each node's pid, from dev's banner. */
  nodes: Record<'master-1' | 'master-2' | 'replica-1', number>
}

/** Starts `swarmkv dev` in a process group of its own, as a shell runs a foreground job. */
async function startDev(dir: string): Promise<Dev> {
  const base = await freeBase()
  const child = spawn(process.execPath, [SWARMKV_BIN, 'dev', '--base-port', String(base), '--data', dir], { stdio: ['ignore', 'pipe', 'pipe'], detached: true })
  let out = ''
  child.stdout.on('data', (c: Buffer) => { out += c.toString() })
  child.stderr.on('data', (c: Buffer) => { out += c.toString() })
  const exited = new Promise<number | NodeJS.Signals | null>((r) => child.on('exit', (code, signal) => r(code ?? signal)))
  await waitUntil('the dev cluster to say it is ready', async () => out.includes('cluster ready'), 30_000)
  const nodes = { 'master-1': pidOf(out, 'master-1'), 'master-2': pidOf(out, 'master-2'), 'replica-1': pidOf(out, 'replica-1') }
  return { base, urls: [1, 2, 3].map((i) => `http://127.0.0.1:${base + i}`), output: () => out, exited, pid: child.pid!, nodes }
}

/** The pid dev printed for a node in its banner. */
function pidOf(out: string, name: string): number {
  const m = new RegExp(`${name}\\s+http://\\S+\\s+\\(pid (\\d+)\\)`).exec(out)
  if (m === null) throw new Error(`no pid for ${name} in dev's output:\n${out}`)
  return Number(m[1])
}

const alive = (pid: number) => { try { process.kill(pid, 0); return true } catch { return false } }

/** Resolves with p, or fails once ms have passed: dev must end by itself, in bounded time. */
const within = <T>(p: Promise<T>, ms: number, what: string) => {
  let timer: NodeJS.Timeout | undefined
  const late = new Promise<never>((_, reject) => { timer = setTimeout(() => reject(new Error(`${what}: still running after ${ms} ms`)), ms) })
  return Promise.race([p, late]).finally(() => clearTimeout(timer))
}

describe('swarmkv dev', () => {
  let dir: string | undefined
  let dev: Dev | undefined
  afterEach(async () => {
    // A test that failed half-way leaves no process behind.
    if (dev !== undefined) for (const pid of [dev.pid, ...Object.values(dev.nodes)]) if (alive(pid)) process.kill(pid, 'SIGKILL')
    dev = undefined
    if (dir !== undefined) await rm(dir, { recursive: true, force: true })
  })

  it('starts 2 masters and 1 replica that replicate, and a single Ctrl-C stops them all', async () => {
    dir = await mkdtemp(join(tmpdir(), 'swarmkv-dev-'))
    dev = await startDev(dir)
    const { base, urls } = dev
    const out = dev.output()
    try {
      // Once it says so, the tour's first commands work: every node is up and sees the other two.
      for (const u of urls) {
        const v = (await (await fetch(`${u}/cluster`)).json()) as { peers: Array<{ connected: boolean }> }
        expect(v.peers.filter((p) => p.connected)).toHaveLength(2)
      }
      for (const u of urls) expect(out).toContain(u)
      expect(out).toContain(`Try: curl -X PUT --data hello ${urls[0]!}/kv/greeting`)
      // The printed dashboard URL serves the page.
      expect(out).toContain(`Dashboard: ${urls[0]!}/ui`)
      const page = await fetch(`${urls[0]!}/ui`)
      expect(page.status).toBe(200)
      expect(await page.text()).toContain('/ui/js/app.js')
      const m1 = new SwarmkvClient({ url: urls[0]! })
      await m1.put('tour', 'hello from master-1')
      const replica = new SwarmkvClient({ url: urls[2]! })
      await waitUntil('the write to reach the replica', async () => (await replica.getText('tour')) === 'hello from master-1')
      // A write sent to the replica lands on a master; its token makes the other master wait for it.
      await replica.put('via-replica', 'ok')
      const res = await fetch(`${urls[1]!}/kv/via-replica?wait=10000`, { headers: { 'x-after': replica.after } })
      expect(await res.text()).toBe('ok')
    } finally {
      // Ctrl-C in a terminal: SIGINT to the whole foreground process group, once.
      process.kill(-dev.pid, 'SIGINT')
    }
    expect(await within(dev.exited, 40_000, 'dev after one SIGINT')).toBe(0)
    // Each node closed cleanly: none was killed by a second signal in the middle of its close.
    expect(dev.output()).not.toMatch(/was killed by|exited with code|killing/)
    for (const pid of Object.values(dev.nodes)) expect(alive(pid)).toBe(false)
    expect(await tcpFree(base + 1)).toBe(true)
    expect(await tcpFree(base + 3)).toBe(true)
    expect(await udpFree(base + 100)).toBe(true)
  }, 90_000)

  it('reports a node killed by a signal, stops the others and exits non-zero by itself', async () => {
    dir = await mkdtemp(join(tmpdir(), 'swarmkv-dev-'))
    dev = await startDev(dir)
    const { 'master-1': m1, 'master-2': m2, 'replica-1': r1 } = dev.nodes
    process.kill(m1, 'SIGKILL')
    // Nobody presses Ctrl-C: dev ends by itself once the other two have stopped.
    expect(await within(dev.exited, 40_000, 'dev after master-1 was killed')).toBe(1)
    expect(dev.output()).toContain(`swarmkv dev: master-1 (pid ${m1}) was killed by SIGKILL; stopping the other nodes`)
    expect(alive(m2)).toBe(false)
    expect(alive(r1)).toBe(false)
    // The others stopped on dev's SIGTERM, cleanly.
    expect(dev.output()).not.toMatch(/master-2 .*was killed|replica-1 .*was killed|killing/)
    expect(await tcpFree(dev.base + 2)).toBe(true)
    expect(await tcpFree(dev.base + 3)).toBe(true)
    expect(await udpFree(dev.base + 100)).toBe(true)
  }, 90_000)
})
