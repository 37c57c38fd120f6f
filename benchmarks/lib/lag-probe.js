import http from 'node:http'
import { paced } from './pace.js'

const agent = new http.Agent({ keepAlive: true, maxSockets: 256 })

function request(url, { method = 'GET', headers = {}, body, timeoutMs = 10_000 }) {
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method, headers, agent, timeout: timeoutMs }, (res) => {
      res.resume()
      res.on('end', () => resolve({ status: res.statusCode, headers: res.headers, t: performance.now() }))
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
export async function swarmkvLag({ writers, nodes, rate, durationS, waitMs = 5000, valueBytes = 100, tag }) {
  const value = Buffer.alloc(valueBytes, 'l')
  const lags = new Map(nodes.map((n) => [n.name, []]))
  const rtts = []
  let failures = 0
  let writes = 0
  const fire = async (i) => {
    const w = writers[i % writers.length]
    const key = `lag-${tag}-${i}`
    try {
      const put = await request(`${w.url}/kv/${key}`, { method: 'PUT', headers: { 'content-type': 'application/octet-stream' }, body: value })
      if (put.status !== 200 && put.status !== 201) { failures++; return }
      writes++
      const token = String(put.headers['x-write-token'])
      const read = (n) => request(`${n.url}/kv/${key}?wait=${waitMs}`, { headers: { 'x-after': token } })
      const others = nodes.filter((n) => n.name !== w.name)
      const [self, ...seen] = await Promise.all([read(w), ...others.map(read)])
      if (self.status === 200) rtts.push(self.t - put.t)
      seen.forEach((r, k) => {
        if (r.status === 200) lags.get(others[k].name).push(r.t - put.t)
        else failures++
      })
    } catch {
      failures++
    }
  }
  await paced({ rate, durationS, fire })
  return { lags, rtts, writes, failures }
}
