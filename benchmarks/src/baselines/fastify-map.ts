import { createWriteStream } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { SERVER_CORE, pinnedCommand } from '../lib/pin.js'
import { startProcess, stopProcess } from '../lib/child.js'
import type { Ctx } from '../lib/types.js'

const SERVER = fileURLToPath(new URL('./fastify-map-server.js', import.meta.url))

export interface FastifyMap { url: string; pid: number; stop(): Promise<void> }

/**
 * Starts the bare Fastify + Map server on the server core, prefilled like swarmkv. `turnEnd`: its
 * GETs answer at the end of the loop's turn, as swarmkv's do (fastify-map-server.ts).
 */
export async function startFastifyMap(ctx: Ctx, { prefill, valueBytes, turnEnd = false }: { prefill: number; valueBytes: number; turnEnd?: boolean }): Promise<FastifyMap> {
  const log = createWriteStream(join(ctx.tmp, turnEnd ? 'fastify-map-turn-end.log' : 'fastify-map.log'))
  const [cmd, args] = pinnedCommand(ctx.pin, SERVER_CORE, process.execPath, [SERVER, '0', String(prefill), String(valueBytes), ...(turnEnd ? ['turn-end'] : [])])
  const { child, pid, match } = await startProcess(cmd, args, { ready: /listening (\d+)/, log })
  return {
    url: `http://127.0.0.1:${match?.[1] ?? 0}`,
    pid,
    async stop() {
      await stopProcess(child)
      log.end()
    }
  }
}
