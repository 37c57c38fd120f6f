/**
 * etcd 3.4 baseline: one node on loopback (server core, temp data dir), written through its HTTP
 * JSON gateway (POST /v3/kv/put) by autocannon, like swarmkv.
 */
import { createWriteStream } from 'node:fs'
import { join } from 'node:path'
import { freeTcpPort, waitUntil } from '@swarmkv/testkit'
import { SERVER_CORE, pinnedCommand } from '../lib/pin.js'
import { startProcess, stopProcess } from '../lib/child.js'
import type { Ctx } from '../lib/types.js'

export async function startEtcd(ctx: Ctx): Promise<{ url: string; pid: number; stop(): Promise<void> }> {
  const client = await freeTcpPort()
  const peer = await freeTcpPort()
  const log = createWriteStream(join(ctx.tmp, 'etcd.log'))
  const [cmd, args] = pinnedCommand(ctx.pin, SERVER_CORE, 'etcd', [
    '--name', 'bench', '--data-dir', join(ctx.tmp, 'etcd'),
    '--listen-client-urls', `http://127.0.0.1:${client}`, '--advertise-client-urls', `http://127.0.0.1:${client}`,
    '--listen-peer-urls', `http://127.0.0.1:${peer}`, '--initial-advertise-peer-urls', `http://127.0.0.1:${peer}`,
    '--initial-cluster', `bench=http://127.0.0.1:${peer}`, '--logger', 'zap', '--log-level', 'warn'
  ])
  // etcd logs little at warn level: readiness is checked over HTTP instead.
  const { child, pid } = await startProcess(cmd, args, { log })
  const url = `http://127.0.0.1:${client}`
  try {
    await waitUntil('etcd to be healthy', async () => {
      if (child.exitCode !== null) throw new Error(`etcd exited with ${child.exitCode} (see its log)`)
      const res = await fetch(`${url}/health`)
      return res.ok && ((await res.json()) as { health?: string }).health === 'true'
    }, 30_000, 100)
  } catch (e) {
    await stopProcess(child)
    throw e
  }
  return { url, pid, stop: async () => { await stopProcess(child); log.end() } }
}
