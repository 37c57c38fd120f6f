/** How far back the live charts reach. */
export const DEFAULT_WINDOW_MS = 5 * 60_000

/**
 * A sliding window of samples over time, one value per named series per tick, aligned on one
 * time axis as uPlot wants it (x values in seconds, null for a gap). A series that appears later
 * is null before it appeared; one that stops is null after.
 */
export class History {
  private readonly times: number[] = []
  private readonly series = new Map<string, Array<number | null>>()

  constructor(private readonly windowMs = DEFAULT_WINDOW_MS) {}

  /** Adds one tick at `nowMs` with the values known at that time. */
  push(nowMs: number, values: ReadonlyMap<string, number | null>): void {
    this.times.push(nowMs)
    for (const name of values.keys()) {
      if (!this.series.has(name)) this.series.set(name, new Array<number | null>(this.times.length - 1).fill(null))
    }
    for (const [name, col] of this.series) col.push(values.get(name) ?? null)
    let drop = 0
    while (drop < this.times.length && this.times[drop]! < nowMs - this.windowMs) drop++
    if (drop > 0) {
      this.times.splice(0, drop)
      for (const col of this.series.values()) col.splice(0, drop)
    }
    for (const [name, col] of this.series) if (col.every((v) => v === null)) this.series.delete(name)
  }

  /** Names of the series in the window, in the order they first appeared. */
  names(): string[] {
    return [...this.series.keys()]
  }

  /** [x seconds, series…] in the order of `names`. */
  data(names: readonly string[]): [number[], ...Array<Array<number | null>>] {
    const xs = this.times.map((t) => t / 1000)
    return [xs, ...names.map((n) => this.series.get(n) ?? xs.map(() => null))]
  }

  get length(): number {
    return this.times.length
  }
}
