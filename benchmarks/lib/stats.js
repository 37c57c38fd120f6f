/** Small statistics helpers: every figure in the report is a median or a percentile. */

export function median(xs) {
  return percentile(xs, 50)
}

/** Percentile by linear interpolation between closest ranks; NaN for an empty list. */
export function percentile(xs, p) {
  const s = xs.filter((x) => Number.isFinite(x)).sort((a, b) => a - b)
  if (s.length === 0) return NaN
  const rank = (p / 100) * (s.length - 1)
  const lo = Math.floor(rank)
  const hi = Math.ceil(rank)
  return s[lo] + (s[hi] - s[lo]) * (rank - lo)
}

export function summarize(xs) {
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

export function round(x, digits = 2) {
  if (!Number.isFinite(x)) return x
  const f = 10 ** digits
  return Math.round(x * f) / f
}

/** a / b rounded, or null when either side is missing. */
export function ratio(a, b) {
  return Number.isFinite(a) && Number.isFinite(b) && b > 0 ? round(a / b, 3) : null
}
