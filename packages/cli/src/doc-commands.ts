import { readFile } from 'node:fs/promises'
import type { JsonObject } from '@swarmkv/client'
import { parse, int, UsageError } from './args.js'
import { CLIENT_OPTIONS, CLIENT_OPTIONS_HELP, clientFrom } from './client-options.js'
import { readStdin } from './stdin.js'

export const DOC_HELP = `swarmkv doc — JSON documents

  swarmkv doc get KEY [--conflicts]     print the document (with --conflicts: the values concurrent writes left)
  swarmkv doc put KEY JSON              replace the document (JSON, or --file PATH, or - for stdin)
  swarmkv doc patch KEY JSON            apply an RFC 7396 merge patch (null removes a member)
  swarmkv doc del KEY                   delete the document
  swarmkv doc ls [--prefix P] [--after K] [--limit N]
        [--if-match ETAG]              put/patch/del only if the document is still at this ETag
${CLIENT_OPTIONS_HELP}`

async function jsonArg(p: string | undefined, file: string | boolean | undefined): Promise<JsonObject> {
  const text = typeof file === 'string' ? await readFile(file, 'utf8') : p === '-' ? (await readStdin()).toString('utf8') : p
  if (text === undefined) throw new UsageError('give the JSON as an argument, with --file PATH, or - for stdin')
  let v: unknown
  try {
    v = JSON.parse(text)
  } catch (e) {
    throw new UsageError(`not JSON: ${e instanceof Error ? e.message : String(e)}`)
  }
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new UsageError('a document is a JSON object')
  return v as JsonObject
}

export async function docCommand(argv: string[]): Promise<number> {
  const { values: v, positionals: [sub, key, arg] } = parse(argv, {
    ...CLIENT_OPTIONS, conflicts: { type: 'boolean' }, file: { type: 'string' }, 'if-match': { type: 'string' },
    prefix: { type: 'string' }, after: { type: 'string' }, limit: { type: 'string' }
  })
  if (v.help === true || sub === undefined) { process.stdout.write(DOC_HELP); return sub === undefined && v.help !== true ? 2 : 0 }
  const client = clientFrom(v)
  const ifMatch = typeof v['if-match'] === 'string' ? { ifMatch: v['if-match'] } : {}
  const needKey = () => {
    if (key === undefined) throw new UsageError(`usage: swarmkv doc ${sub} KEY`)
    return key
  }
  switch (sub) {
    case 'get': {
      const k = needKey()
      const r = v.conflicts === true ? await client.docs.conflicts(k) : (await client.docs.get(k))?.doc
      if (r === undefined) { process.stderr.write('not found\n'); return 1 }
      process.stdout.write(`${JSON.stringify(r, null, 2)}\n`)
      return 0
    }
    case 'put':
    case 'patch': {
      const k = needKey()
      const body = await jsonArg(arg, v.file)
      const r = sub === 'put' ? await client.docs.put(k, body, ifMatch) : await client.docs.patch(k, body, ifMatch)
      process.stdout.write(`${r.tokens.join(',')}\n`)
      return 0
    }
    case 'del':
      process.stdout.write(`${(await client.docs.delete(needKey(), ifMatch)).tokens.join(',')}\n`)
      return 0
    case 'ls': {
      const r = await client.docs.list({
        ...(typeof v.prefix === 'string' ? { prefix: v.prefix } : {}),
        ...(typeof v.after === 'string' ? { after: v.after } : {}),
        ...(v.limit !== undefined ? { limit: int(v.limit, 100, 'limit') } : {})
      })
      for (const k of r.keys) process.stdout.write(`${k}\n`)
      if (r.next !== null) process.stderr.write(`(more: --after ${JSON.stringify(r.next)})\n`)
      return 0
    }
    default:
      throw new UsageError(`unknown doc command: ${sub} (get, put, patch, del, ls)`)
  }
}
