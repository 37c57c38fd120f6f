import type { FastifyBaseLogger } from 'fastify'

type Bindings = Parameters<FastifyBaseLogger['child']>[0]
type ChildOptions = Parameters<FastifyBaseLogger['child']>[1]
/** What a pino log method takes (its message form: pino's object-first form passes through the same). */
type LogArgs = Parameters<FastifyBaseLogger['info']>

/**
 * A request's logger, made only if the request logs: Fastify gives each request a pino child
 * binding its id, and making one (its bindings serialised) was 1-2 % of a GET's CPU in a profile,
 * for requests that, without request logs, almost never write a line. This stands in for the
 * child and makes it on the first line, so what a request logs still carries its `reqId`.
 */
export class LazyRequestLogger implements FastifyBaseLogger {
  private made: FastifyBaseLogger | undefined

  constructor(private readonly parent: FastifyBaseLogger, private readonly bindings: Bindings, private readonly options: ChildOptions) {}

  private get logger(): FastifyBaseLogger {
    return (this.made ??= this.parent.child(this.bindings, this.options))
  }

  get level(): FastifyBaseLogger['level'] { return this.made?.level ?? this.options?.level ?? this.parent.level }
  set level(level: FastifyBaseLogger['level']) { this.logger.level = level }

  // Methods on the prototype, not arrow fields: nothing more is made per request than this object.
  fatal(...args: LogArgs): void { this.logger.fatal(...args) }
  error(...args: LogArgs): void { this.logger.error(...args) }
  warn(...args: LogArgs): void { this.logger.warn(...args) }
  info(...args: LogArgs): void { this.logger.info(...args) }
  debug(...args: LogArgs): void { this.logger.debug(...args) }
  trace(...args: LogArgs): void { this.logger.trace(...args) }
  silent(): void {}

  child(bindings: Bindings, options?: ChildOptions): FastifyBaseLogger {
    return this.logger.child(bindings, options)
  }
}

/** Fastify's `childLoggerFactory`: a LazyRequestLogger per request. */
export function lazyRequestLoggers(logger: FastifyBaseLogger, bindings: Bindings, options: ChildOptions): FastifyBaseLogger {
  return new LazyRequestLogger(logger, bindings, options)
}
