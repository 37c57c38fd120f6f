// Measures round trips as TCP connect times (SYN to SYN-ACK: one round trip) to HOST:PORT and
// prints one JSON line: {"host", "port", "count", "medianMs", "minMs", "maxMs"}. Run it in the
// namespace to measure from (ip netns exec NS node rtt.mjs ..., or nsenter --net=...).
//
//   node scripts/wan-delay/rtt.mjs HOST PORT [count=5]
import net from 'node:net'

const [host, portArg, countArg] = process.argv.slice(2)
if (host === undefined || portArg === undefined) {
  console.error('usage: node rtt.mjs HOST PORT [count]')
  process.exit(2)
}
const port = Number(portArg)
const count = Number(countArg ?? 5)
// One connect that takes longer than this is a failure, not a slow link.
const CONNECT_TIMEOUT_MS = 5000

function connectOnce() {
  return new Promise((resolve, reject) => {
    const t0 = process.hrtime.bigint()
    const socket = net.connect({ host, port })
    socket.setTimeout(CONNECT_TIMEOUT_MS, () => socket.destroy(new Error(`connect to ${host}:${port} timed out`)))
    socket.once('connect', () => {
      resolve(Number(process.hrtime.bigint() - t0) / 1e6)
      socket.destroy()
    })
    socket.once('error', reject)
  })
}

const samples = []
for (let i = 0; i < count; i++) samples.push(await connectOnce())
samples.sort((a, b) => a - b)
const round = (ms) => Math.round(ms * 10) / 10
process.stdout.write(JSON.stringify({
  host, port, count,
  medianMs: round(samples[Math.floor(samples.length / 2)]),
  minMs: round(samples[0]),
  maxMs: round(samples[samples.length - 1])
}) + '\n')
