/** Small statistics helpers: every figure in the report is a median or a percentile. */
import type { Summary } from './types.js'

export function median(xs: number[]): number {
  return percentile(xs, 50)
}

/** Percentile by linear interpolation between closest ranks; NaN for an empty list. */
export function percentile(xs: number[], p: number): number {
  const s = xs.filter((x) => Number.isFinite(x)).sort((a, b) => a - b)
  if (s.length === 0) return NaN
  const rank = (p / 100) * (s.length - 1)
  const lo = Math.floor(rank)
  const hi = Math.ceil(rank)
  const a = s[lo] ?? NaN
  const b = s[hi] ?? NaN
  return a + (b - a) * (rank - lo)
}

export function summarize(xs: number[]): Summary {
  const s = xs.filter((x) => Number.isFinite(x))
  return {
    n: s.length,
    p50: round(percentile(s, 50)),
    p90: round(percentile(s, 90)),
    p99: round(percentile(s, 99)),
    max: round(s.length === 0 ? NaN : Math.max(...s)),
    mean: round(s.length === 0 ? NaN : s.reduce((a, b) => a + b, 0) / s.length)
  }
}

export function round(x: number, digits = 2): number {
  if (!Number.isFinite(x)) return x
  const f = 10 ** digits
  return Math.round(x * f) / f
}

/** a / b rounded, or null when either side is missing. */
export function ratio(a: number | undefined | null, b: number | undefined | null): number | null {
  return typeof a === 'number' && typeof b === 'number' && Number.isFinite(a) && Number.isFinite(b) && b > 0 ? round(a / b, 3) : null
}
