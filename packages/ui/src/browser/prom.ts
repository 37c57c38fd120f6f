/** One sample of the Prometheus text format: `name{label="v",…} value`. */
export interface Sample {
  readonly name: string
  readonly labels: Readonly<Record<string, string>>
  readonly value: number
}

const LINE = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?\s+(\S+)/
const LABEL = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g

const unescape = (v: string): string => v.replace(/\\(.)/g, (_m, c: string) => (c === 'n' ? '\n' : c))

/**
 * Parses the Prometheus text exposition format (what prom-client renders). Comments, HELP and
 * TYPE lines are skipped; a line that does not parse is skipped too (one odd series must not
 * blank the whole dashboard). Timestamps after the value are ignored.
 */
export function parseProm(text: string): Sample[] {
  const out: Sample[] = []
  for (const raw of text.split('\n')) {
    const line = raw.trim()
    if (line === '' || line.startsWith('#')) continue
    const m = LINE.exec(line)
    if (m === null) continue
    const labels: Record<string, string> = {}
    for (const l of (m[2] ?? '').matchAll(LABEL)) labels[l[1]!] = unescape(l[2]!)
    const value = Number(m[3])
    if (Number.isNaN(value) && m[3] !== 'NaN') continue
    out.push({ name: m[1]!, labels, value })
  }
  return out
}
