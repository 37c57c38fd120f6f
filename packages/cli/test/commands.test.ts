import { execFile, spawn } from 'node:child_process'
import { promisify } from 'node:util'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { Cluster, SWARMKV_BIN, type NodeProcess } from '@swarmkv/testkit'

const run = promisify(execFile)
const swarmkv = (...args: string[]) => run(process.execPath, [SWARMKV_BIN, ...args], { timeout: 20_000 })

describe('the swarmkv commands against a real node', () => {
  let c: Cluster
  let n: NodeProcess
  beforeAll(async () => {
    c = await Cluster.start({ secret: null, nodes: [{ name: 'solo' }] })
    n = c.node('solo')
  }, 60_000)
  afterAll(async () => { await c.stop() })

  it('--help is short and names every command; each command has its own --help; --version prints the version', async () => {
    const { stdout } = await swarmkv('--help')
    expect(stdout.split('\n').length).toBeLessThan(30)
    for (const cmd of ['dev', 'start', 'dht', 'get', 'doc', 'watch', 'cluster', 'openapi', 'bench']) expect(stdout).toContain(cmd)
    for (const cmd of ['doc', 'watch']) expect((await swarmkv(cmd, '--help')).stdout).toContain(`swarmkv ${cmd} —`)
    expect((await swarmkv('--version')).stdout).toMatch(/^swarmkv \d+\.\d+\.\d+\n$/)
  })

  it('doc put, patch, get and ls', async () => {
    await swarmkv('doc', 'put', 'users/1', '{"name":"Ada"}', '--url', n.url)
    await swarmkv('doc', 'patch', 'users/1', '{"lang":"en"}', '--url', n.url)
    expect(JSON.parse((await swarmkv('doc', 'get', 'users/1', '--url', n.url)).stdout)).toEqual({ name: 'Ada', lang: 'en' })
    expect((await swarmkv('doc', 'ls', '--prefix', 'users/', '--url', n.url)).stdout).toBe('users/1\n')
  })

  it('cluster prints this node', async () => {
    const { stdout } = await swarmkv('cluster', '--url', n.url)
    expect(stdout).toContain(n.nodeId)
    expect(stdout).toContain('master')
  })

  it('watch prints each change as a JSON line', async () => {
    const child = spawn(process.execPath, [SWARMKV_BIN, 'watch', '--prefix', 'w/', '--url', n.url], { stdio: ['ignore', 'pipe', 'pipe'] })
    try {
      let out = ''
      child.stdout.on('data', (b: Buffer) => { out += b.toString() })
      // Writes until the watcher, which starts live, has printed one.
      const end = Date.now() + 20_000
      for (let i = 0; !out.includes('\n') && Date.now() < end; i++) {
        await swarmkv('put', `w/${i}`, 'hello', '--url', n.url)
        await new Promise((r) => setTimeout(r, 200))
      }
      const line = JSON.parse(out.split('\n')[0]!) as Record<string, unknown>
      expect(line).toMatchObject({ type: 'change', kind: 'kv', value: 'hello', deleted: false })
      expect(String(line.key)).toMatch(/^w\//)
    } finally {
      child.kill('SIGTERM')
    }
  })
})
