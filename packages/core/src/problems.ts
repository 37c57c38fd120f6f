/**
 * The logging surface every package writes to: pino's call shape (`log.warn({ obj }, 'message')`),
 * so the CLI passes a pino logger and tests pass nothing. Kept here, as types and a silent
 * default, so core stays free of I/O and no package depends on pino.
 */
export interface Logger {
  error(obj: object, msg: string): void
  warn(obj: object, msg: string): void
  info(obj: object, msg: string): void
  debug(obj: object, msg: string): void
  child(bindings: Record<string, unknown>): Logger
}

const noop = () => {}
export const silentLogger: Logger = { error: noop, warn: noop, info: noop, debug: noop, child: () => silentLogger }

/** The places that report errors (the `where` label of swarmkv_errors_total; OPERATIONS.md lists them). */
export const PROBLEM_PLACES = [
  'compaction', 'log-clear', 'checkpoint', 'replay', 'members-write', 'swarm-join', 'discovery-refresh', 'swarm-destroy', 'dht-destroy', 'http', 'disk-stat'
] as const

/**
 * Errors a component handles without failing its caller (a background compaction, a log clear,
 * a discovery refresh): each one is logged and counted by where it happened, never swallowed.
 * /metrics shows the counts as `swarmkv_errors_total{where}`.
 */
export class Problems {
  private readonly counts = new Map<string, number>()

  constructor(readonly log: Logger = silentLogger) {
    // Every place starts at 0, so the first error shows as an increase (an alert on increase()
    // never sees a series that is born at 1).
    for (const where of PROBLEM_PLACES) this.counts.set(where, 0)
  }

  /** Logs `err` as an error of `where` and counts it. */
  report(where: typeof PROBLEM_PLACES[number], err: unknown, msg = 'background task failed'): void {
    this.counts.set(where, (this.counts.get(where) ?? 0) + 1)
    this.log.error({ where, err: err instanceof Error ? { message: err.message, stack: err.stack, code: (err as { code?: unknown }).code } : String(err) }, msg)
  }

  /** A handler for `promise.catch(...)` that reports under `where`. */
  catcher(where: typeof PROBLEM_PLACES[number], msg?: string): (err: unknown) => void {
    return (err) => this.report(where, err, msg)
  }

  /** Count per place so far. */
  snapshot(): ReadonlyMap<string, number> { return this.counts }
}
