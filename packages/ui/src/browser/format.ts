/** Display helpers: every figure the page shows goes through one of these. */

const NF = new Intl.NumberFormat('en', { maximumFractionDigits: 1 })

/** A count or rate; an unknown figure shows as an em dash, never as 0. */
export function num(v: number | null | undefined, unit = ''): string {
  if (v === null || v === undefined || !Number.isFinite(v)) return '—'
  return `${NF.format(v)}${unit}`
}

/** Milliseconds as a short duration: 850 ms, 12.3 s, 4 min. */
export function ms(v: number | null | undefined): string {
  if (v === null || v === undefined || !Number.isFinite(v)) return '—'
  if (v < 1000) return `${Math.round(v)} ms`
  if (v < 60_000) return `${NF.format(v / 1000)} s`
  if (v < 3_600_000) return `${NF.format(v / 60_000)} min`
  return `${NF.format(v / 3_600_000)} h`
}

/** A node id or public key, shortened for a card. */
export const shortId = (id: string): string => id.slice(0, 8)

/** host:port of a URL, or the URL itself when it does not parse. */
export function hostOf(url: string): string {
  try { return new URL(url).host } catch { return url }
}

/** An HLC stamp `wall.counter` with its wall time readable (UTC). */
export function hlc(stamp: string): string {
  const [wall, counter] = stamp.split('.')
  const t = Number(wall)
  if (!Number.isFinite(t)) return stamp
  const iso = new Date(t).toISOString().replace('T', ' ').replace('Z', ' UTC')
  return counter === undefined || counter === '0' ? iso : `${iso} +${counter}`
}

/** "3 s ago" for the freshness line. */
export function ago(thenMs: number, nowMs: number): string {
  const s = Math.max(0, Math.round((nowMs - thenMs) / 1000))
  return s < 2 ? 'just now' : s < 120 ? `${s} s ago` : `${Math.round(s / 60)} min ago`
}
