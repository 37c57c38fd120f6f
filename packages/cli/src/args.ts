import { parseArgs, type ParseArgsConfig } from 'node:util'

export type Options = NonNullable<ParseArgsConfig['options']>

export class UsageError extends Error {}

export function parse(argv: string[], options: Options): { values: Record<string, string | boolean | undefined>; positionals: string[] } {
  try {
    const r = parseArgs({ args: argv, options: { ...options, help: { type: 'boolean', short: 'h' } }, allowPositionals: true, strict: true })
    return { values: r.values, positionals: r.positionals }
  } catch (e) {
    throw new UsageError(e instanceof Error ? e.message : String(e))
  }
}

export function str(v: string | boolean | undefined, fallback: string): string {
  return typeof v === 'string' ? v : fallback
}

export function int(v: string | boolean | undefined, fallback: number, name: string): number {
  if (v === undefined) return fallback
  if (typeof v !== 'string' || !/^[0-9]+$/.test(v)) throw new UsageError(`--${name} must be a non-negative integer`)
  return Number(v)
}

/** `host:port[,host:port…]` */
export function hostPorts(v: string | boolean | undefined, name: string): Array<{ host: string; port: number }> {
  if (typeof v !== 'string' || v.trim() === '') return []
  return v.split(',').map((part) => {
    const m = /^\s*([^:\s]+):([0-9]{1,5})\s*$/.exec(part)
    if (m === null) throw new UsageError(`--${name} takes host:port[,host:port…], got ${JSON.stringify(part)}`)
    return { host: m[1]!, port: Number(m[2]) }
  })
}

/** `--http 7001`, `--http 0.0.0.0:7001` */
export function listenAddress(v: string | boolean | undefined, fallback: string): { host: string; port: number } {
  const s = typeof v === 'string' ? v : fallback
  const m = /^(?:([^:\s]+):)?([0-9]{1,5})$/.exec(s)
  if (m === null) throw new UsageError(`--http takes [host:]port, got ${JSON.stringify(s)}`)
  return { host: m[1] ?? '127.0.0.1', port: Number(m[2]) }
}
