import type { Metric, Registry } from 'prom-client'

interface Series {
  readonly labels: { readonly route: string; readonly method: string; readonly status: string }
  /** Observations per bucket (not cumulative): index i counts values in (bounds[i-1], bounds[i]]. */
  readonly counts: Float64Array
  sum: number
  count: number
}

/**
 * `swarmkv_http_request_duration_seconds`: a Prometheus histogram by route, method and status,
 * observed on every request. prom-client's Histogram builds a label object, validates it and
 * hashes it into a string on each observation (about 5 % of a GET's CPU here); this one finds
 * its series through three small maps and adds to a typed array. The text it scrapes is the same
 * (same names, labels and cumulative buckets): it plugs into the registry as a metric of its own.
 */
export class RequestDurations {
  readonly type = 'histogram'
  readonly aggregator = 'sum'
  private readonly series = new Map<string, Map<string, Map<number, Series>>>()

  constructor(readonly name: string, readonly help: string, private readonly bounds: readonly number[], registry: Registry) {
    registry.registerMetric(this as unknown as Metric)
  }

  observe(route: string, method: string, status: number, seconds: number): void {
    let byMethod = this.series.get(route)
    if (byMethod === undefined) this.series.set(route, (byMethod = new Map()))
    let byStatus = byMethod.get(method)
    if (byStatus === undefined) byMethod.set(method, (byStatus = new Map()))
    let s = byStatus.get(status)
    if (s === undefined) {
      s = { labels: { route, method, status: String(status) }, counts: new Float64Array(this.bounds.length), sum: 0, count: 0 }
      byStatus.set(status, s)
    }
    const b = this.bounds
    for (let i = 0; i < b.length; i++) {
      if (seconds <= b[i]!) { s.counts[i]! += 1; break }
    }
    s.sum += seconds
    s.count += 1
  }

  /** Every series as prom-client's registry formats a histogram's values. */
  get(): Promise<{ name: string; help: string; type: string; aggregator: string; values: object[] }> {
    const values: object[] = []
    const bucket = `${this.name}_bucket`
    for (const byMethod of this.series.values()) {
      for (const byStatus of byMethod.values()) {
        for (const s of byStatus.values()) {
          let acc = 0
          this.bounds.forEach((le, i) => {
            acc += s.counts[i]!
            values.push({ labels: { le }, sharedLabels: s.labels, value: acc, metricName: bucket })
          })
          values.push({ labels: { le: '+Inf' }, sharedLabels: s.labels, value: s.count, metricName: bucket })
          values.push({ labels: {}, sharedLabels: s.labels, value: s.sum, metricName: `${this.name}_sum` })
          values.push({ labels: {}, sharedLabels: s.labels, value: s.count, metricName: `${this.name}_count` })
        }
      }
    }
    return Promise.resolve({ name: this.name, help: this.help, type: this.type, aggregator: this.aggregator, values })
  }

  reset(): void {
    this.series.clear()
  }
}
