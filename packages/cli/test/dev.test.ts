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

describe('swarmkv dev', () => {
  let dir: string | undefined
  afterEach(async () => { if (dir !== undefined) await rm(dir, { recursive: true, force: true }) })

  it('starts 2 masters and 1 replica that replicate, and stops them all on SIGINT', async () => {
    dir = await mkdtemp(join(tmpdir(), 'swarmkv-dev-'))
    const base = await freeBase()
    const child = spawn(process.execPath, [SWARMKV_BIN, 'dev', '--base-port', String(base), '--data', dir], { stdio: ['ignore', 'pipe', 'pipe'] })
    let out = ''
    child.stdout.on('data', (c: Buffer) => { out += c.toString() })
    child.stderr.on('data', (c: Buffer) => { out += c.toString() })
    const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)))
    try {
      const urls = [1, 2, 3].map((i) => `http://127.0.0.1:${base + i}`)
      await waitUntil('the dev cluster to say it is ready', async () => out.includes('cluster ready'), 30_000)
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
      child.kill('SIGINT')
    }
    expect(await exited).toBe(0)
    expect(await tcpFree(base + 1)).toBe(true)
    expect(await tcpFree(base + 3)).toBe(true)
  }, 60_000)
})
