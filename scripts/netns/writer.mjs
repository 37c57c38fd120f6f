// Writes keys to one node until it stops answering or a limit is reached; prints the keys whose
// writes were acknowledged (HTTP 200, or 201 for a new key) and the highest seq among their write tokens, one JSON
// object on stdout. Used by test.sh to check that
// every acknowledged write survives a SIGKILL of the node that took it.
//
//   node writer.mjs URL PREFIX [maxMs=10000] [maxWrites=5000] [concurrency=4]
const [url, prefix, maxMsArg, maxWritesArg, concArg] = process.argv.slice(2)
if (url === undefined || prefix === undefined) {
  console.error('usage: node writer.mjs URL PREFIX [maxMs] [maxWrites] [concurrency]')
  process.exit(2)
}
const maxMs = Number(maxMsArg ?? 10_000)
const maxWrites = Number(maxWritesArg ?? 5000)
const concurrency = Number(concArg ?? 4)
const deadline = Date.now() + maxMs
const acked = []
let next = 0
let failed = 0
let maxSeq = 0
let stop = false

async function worker() {
  while (!stop && next < maxWrites && Date.now() < deadline) {
    const key = `${prefix}${String(next++).padStart(5, '0')}`
    try {
      const res = await fetch(`${url}/kv/${key}`, {
        method: 'PUT', body: key, headers: { 'content-type': 'text/plain' }, signal: AbortSignal.timeout(2000)
      })
      await res.arrayBuffer()
      if (res.status === 200 || res.status === 201) {
        acked.push(key)
        // X-Write-Token is origin:seq; the highest seq acknowledged must survive a crash.
        const seq = Number((res.headers.get('x-write-token') ?? '').split(':')[1])
        if (seq > maxSeq) maxSeq = seq
      } else {
        failed++
        stop = true
      }
    } catch {
      // The node went away: an unacknowledged write may or may not have been stored.
      failed++
      stop = true
    }
  }
}

await Promise.all(Array.from({ length: concurrency }, worker))
process.stdout.write(JSON.stringify({ attempted: next, acked, failed, maxSeq }) + '\n')
