import http from 'node:http'
import { paced } from './pace.js'

const agent = new http.Agent({ keepAlive: true, maxSockets: 256 })

interface Reply { status: number; headers: http.IncomingHttpHeaders; t: number }

function request(url: string, { method = 'GET', headers = {}, body, timeoutMs = 10_000 }: { method?: string; headers?: Record<string, string>; body?: Buffer; timeoutMs?: number }): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method, headers, agent, timeout: timeoutMs }, (res) => {
      res.resume()
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, t: performance.now() }))
    })
    req.on('timeout', () => req.destroy(new Error(`timeout after ${timeoutMs} ms`)))
    req.on('error', reject)
    req.end(body)
  })
}

/**
 * Replication visibility lag of swarmkv: writes keys at `rate`/s, alternating between the
 * `writers`, and right after each acknowledgement asks every other node
 * `GET /kv/<key>?wait=<waitMs>` with `X-After: <the write's token>`, which a node answers as soon
 * as it has applied the write. Raw lag = that answer's arrival minus the ack's arrival. The same
 * read sent to the writer itself (which already has the write) gives the request's own round trip,
 * reported apart so the reader can subtract it.
 */
export interface LagNode { name: string; url: string }

export interface LagProbe { lags: Map<string, number[]>; rtts: number[]; writes: number; failures: number }

export async function swarmkvLag({ writers, nodes, rate, durationS, waitMs = 5000, valueBytes = 100, tag }: {
  writers: LagNode[]; nodes: LagNode[]; rate: number; durationS: number; waitMs?: number; valueBytes?: number; tag: string
}): Promise<LagProbe> {
  const value = Buffer.alloc(valueBytes, 'l')
  const lags = new Map<string, number[]>(nodes.map((n) => [n.name, []]))
  const rtts: number[] = []
  let failures = 0
  let writes = 0
  const fire = async (i: number): Promise<void> => {
    const w = writers[i % writers.length]
    if (w === undefined) return
    const key = `lag-${tag}-${i}`
    try {
      const put = await request(`${w.url}/kv/${key}`, { method: 'PUT', headers: { 'content-type': 'application/octet-stream' }, body: value })
      if (put.status !== 200 && put.status !== 201) { failures++; return }
      writes++
      const token = String(put.headers['x-write-token'])
      const read = (n: LagNode): Promise<Reply> => request(`${n.url}/kv/${key}?wait=${waitMs}`, { headers: { 'x-after': token } })
      const others = nodes.filter((n) => n.name !== w.name)
      const [self, ...seen] = await Promise.all([read(w), ...others.map(read)])
      if (self.status === 200) rtts.push(self.t - put.t)
      seen.forEach((r, k) => {
        const target = others[k]
        if (r.status === 200 && target !== undefined) lags.get(target.name)?.push(r.t - put.t)
        else failures++
      })
    } catch {
      failures++
    }
  }
  await paced({ rate, durationS, fire })
  return { lags, rtts, writes, failures }
}
