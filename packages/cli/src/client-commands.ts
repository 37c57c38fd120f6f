import { readFile } from 'node:fs/promises'
import { parse, int, UsageError } from './args.js'
import { CLIENT_OPTIONS, CLIENT_OPTIONS_HELP, clientFrom } from './client-options.js'
import { readStdin } from './stdin.js'

export const CLIENT_HELP = `swarmkv get|put|del|ls — a small client

  swarmkv get KEY [--siblings]          print the value (or every sibling as JSON)
  swarmkv put KEY VALUE                 store VALUE (or --file PATH, or stdin with -)
        [--content-type T] [--context CTX] [--w N]
  swarmkv del KEY [--context CTX]
  swarmkv ls [--prefix P] [--after K] [--limit N]

${CLIENT_OPTIONS_HELP}`

export async function clientCommand(cmd: 'get' | 'put' | 'del' | 'ls', argv: string[]): Promise<number> {
  const { values: v, positionals: p } = parse(argv, {
    ...CLIENT_OPTIONS, siblings: { type: 'boolean' }, file: { type: 'string' }, 'content-type': { type: 'string' },
    context: { type: 'string' }, w: { type: 'string' }, prefix: { type: 'string' }, after: { type: 'string' }, limit: { type: 'string' }
  })
  if (v.help === true) { process.stdout.write(CLIENT_HELP); return 0 }
  const client = clientFrom(v)
  const context = typeof v.context === 'string' ? v.context : undefined
  const w = v.w === undefined ? undefined : int(v.w, 1, 'w')
  switch (cmd) {
    case 'get': {
      const key = p[0]
      if (key === undefined) throw new UsageError('usage: swarmkv get KEY')
      if (v.siblings === true) {
        const s = await client.siblings(key)
        if (s === undefined) { process.stderr.write('not found\n'); return 1 }
        process.stdout.write(JSON.stringify(s, null, 2) + '\n')
        return 0
      }
      const r = await client.get(key)
      if (r === undefined) { process.stderr.write('not found\n'); return 1 }
      process.stdout.write(r.value)
      if (process.stdout.isTTY) process.stdout.write('\n')
      if (r.siblings > 1) process.stderr.write(`(${r.siblings} concurrent values; see --siblings)\n`)
      return 0
    }
    case 'put': {
      const key = p[0]
      if (key === undefined) throw new UsageError('usage: swarmkv put KEY VALUE')
      const value = typeof v.file === 'string' ? await readFile(v.file) : p[1] === '-' ? await readStdin() : p[1]
      if (value === undefined) throw new UsageError('usage: swarmkv put KEY VALUE (or --file PATH, or - for stdin)')
      const contentType = typeof v['content-type'] === 'string' ? v['content-type'] : undefined
      const tokens = await client.put(key, typeof value === 'string' ? value : new Uint8Array(value), { contentType, context, w })
      process.stdout.write(`${tokens.join(',')}\n`)
      return 0
    }
    case 'del': {
      const key = p[0]
      if (key === undefined) throw new UsageError('usage: swarmkv del KEY')
      process.stdout.write(`${(await client.del(key, { context, w })).join(',')}\n`)
      return 0
    }
    case 'ls': {
      const r = await client.list({
        prefix: typeof v.prefix === 'string' ? v.prefix : undefined,
        after: typeof v.after === 'string' ? v.after : undefined,
        limit: v.limit === undefined ? undefined : int(v.limit, 100, 'limit')
      })
      for (const k of r.keys) process.stdout.write(`${k}\n`)
      if (r.next !== null) process.stderr.write(`(more: --after ${JSON.stringify(r.next)})\n`)
      return 0
    }
  }
}
