import { startBootstrap } from '@swarmkv/replication'
import { parse, str, int } from './args.js'
import { untilSignal } from './start.js'

export const DHT_HELP = `swarmkv dht — run a DHT bootstrap node for a closed network

  --host IP     address to bind and announce; a concrete IP, not 0.0.0.0 (default 127.0.0.1)
  --port PORT   UDP port (default 49737)
`

export async function dhtCommand(argv: string[]): Promise<number> {
  const { values: v } = parse(argv, { host: { type: 'string' }, port: { type: 'string' } })
  if (v.help === true) { process.stdout.write(DHT_HELP); return 0 }
  const host = str(v.host, '127.0.0.1')
  const node = await startBootstrap(host, int(v.port, 49737, 'port'))
  // Listening for the stop signals first, as `swarmkv start` does: a supervisor may stop it on reading the line.
  const stop = untilSignal()
  process.stdout.write(`swarmkv dht bootstrap listening on ${host}:${node.port}\n`)
  await stop
  await node.stop()
  return 0
}
