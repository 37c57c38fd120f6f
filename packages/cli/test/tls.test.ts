import { spawn } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { request } from 'node:https'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { SWARMKV_BIN, freeTcpPort, waitUntil } from '@swarmkv/testkit'

function httpsCall(url: string, ca: Buffer, method: string, headers: Record<string, string> = {}, body?: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method, ca, headers }, (res) => {
      let data = ''
      res.on('data', (c: Buffer) => { data += c.toString() })
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: data }))
    })
    req.on('error', reject)
    req.end(body)
  })
}

describe('HTTPS and tokens on a real node', () => {
  let dir: string | undefined
  let stop: (() => Promise<void>) | undefined
  afterEach(async () => {
    await stop?.()
    if (dir !== undefined) await rm(dir, { recursive: true, force: true })
  })

  it('serves the API over TLS and checks bearer tokens', async () => {
    dir = await mkdtemp(join(tmpdir(), 'swarmkv-tls-'))
    // A committed self-signed test certificate for 127.0.0.1 (fixtures/README).
    const cert = fileURLToPath(new URL('./fixtures/test-cert.pem', import.meta.url))
    const key = fileURLToPath(new URL('./fixtures/test-key.pem', import.meta.url))
    const port = await freeTcpPort()
    const child = spawn(process.execPath, [SWARMKV_BIN, 'start', '--http', `127.0.0.1:${port}`, '--data', join(dir, 'data'), '--tls-cert', cert, '--tls-key', key, '--token', 'w-secret:read,write'], { stdio: 'ignore' })
    const exited = new Promise((r) => child.on('exit', r))
    stop = async () => { child.kill('SIGTERM'); await exited }
    const ca = await readFile(cert)
    const url = `https://127.0.0.1:${port}`
    await waitUntil('the TLS node to be ready', async () => (await httpsCall(`${url}/ready`, ca, 'GET')).status === 200, 20_000)
    expect((await httpsCall(`${url}/kv/secure`, ca, 'PUT', {}, 'v')).status).toBe(401)
    expect((await httpsCall(`${url}/kv/secure`, ca, 'PUT', { authorization: 'Bearer w-secret' }, 'over tls')).status).toBe(201)
    expect(await httpsCall(`${url}/kv/secure`, ca, 'GET', { authorization: 'Bearer w-secret' })).toEqual({ status: 200, body: 'over tls' })
  })
})
