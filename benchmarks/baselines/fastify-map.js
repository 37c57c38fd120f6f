import { createWriteStream } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { SERVER_CORE, pinnedCommand } from '../lib/pin.js'
import { startProcess, stopProcess } from '../lib/child.js'

const SERVER = fileURLToPath(new URL('./fastify-map-server.js', import.meta.url))

/** Starts the bare Fastify + Map server on the server core, prefilled like swarmkv. */
export async function startFastifyMap(ctx, { prefill, valueBytes }) {
  const log = createWriteStream(join(ctx.tmp, 'fastify-map.log'))
  const [cmd, args] = pinnedCommand(ctx.pin, SERVER_CORE, process.execPath, [SERVER, '0', String(prefill), String(valueBytes)])
  const { child, match } = await startProcess(cmd, args, { ready: /listening (\d+)/, log })
  return {
    url: `http://127.0.0.1:${match[1]}`,
    pid: child.pid,
    async stop() {
      await stopProcess(child)
      log.end()
    }
  }
}
