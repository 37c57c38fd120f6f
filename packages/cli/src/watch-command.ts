import { parse } from './args.js'
import { CLIENT_OPTIONS, CLIENT_OPTIONS_HELP, clientFrom } from './client-options.js'

export const WATCH_HELP = `swarmkv watch — print every change as it happens, one JSON line each

  swarmkv watch [--prefix P] [--after ID]
  --prefix P    only keys and documents starting with P
  --after ID    resume after this event id (each line's "id")
  Reconnects by itself (to the next --url too) and resumes where it left off. Ctrl-C stops.
${CLIENT_OPTIONS_HELP}`

export async function watchCommand(argv: string[]): Promise<number> {
  const { values: v } = parse(argv, { ...CLIENT_OPTIONS, prefix: { type: 'string' }, after: { type: 'string' } })
  if (v.help === true) { process.stdout.write(WATCH_HELP); return 0 }
  const client = clientFrom(v)
  const stop = new AbortController()
  const onSignal = () => stop.abort()
  process.once('SIGINT', onSignal)
  process.once('SIGTERM', onSignal)
  try {
    for await (const e of client.watch({
      ...(typeof v.prefix === 'string' ? { prefix: v.prefix } : {}),
      ...(typeof v.after === 'string' ? { after: v.after } : {}),
      signal: stop.signal,
      onReconnect: (why) => process.stderr.write(`(reconnecting: ${why})\n`)
    })) {
      process.stdout.write(`${JSON.stringify({ type: e.type, id: e.id, ...e.data })}\n`)
    }
    return 0
  } finally {
    process.off('SIGINT', onSignal)
    process.off('SIGTERM', onSignal)
  }
}
