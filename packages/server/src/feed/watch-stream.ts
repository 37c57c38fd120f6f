import type { ServerResponse } from 'node:http'
import { realScheduler, repeat, vvEntries, vvGet, type Cancellable, type Op, type Scheduler, type VersionVector } from '@swarmkv/core'
import type { Engine } from '@swarmkv/storage'
import { Position, formatResumePoint, planResume, type ResumePoint } from './resume-point.js'
import { changeEvent, matches } from './change-event.js'
import { sseComment, sseEvent, sseRetry } from './sse.js'
import { FeedBudget } from './feed-budget.js'

export interface WatchOptions {
  /** Idle streams get a comment line this often, ms. Default 15 000. */
  readonly heartbeatMs: number
  /**
   * A watcher whose unsent bytes (socket buffer plus queued ops) pass this is cut off. Default
   * 4 MiB: above the largest single event (a 1 MiB value, base64), so one event never trips it.
   */
  readonly maxBufferedBytes: number
  /**
   * What every watcher of the node holds together, at most; past it the one holding the most is
   * cut off. Default 32 MiB: eight watchers at their own cap.
   */
  readonly maxTotalBufferedBytes: number
  /** Log ops read per page while replaying. Default 256. */
  readonly replayPage: number
  /** After the cut-off event, the connection is destroyed if still open this long later, ms. Default 2 000. */
  readonly cutoffGraceMs: number
  /** The reconnect delay EventSource clients are told, ms. Default 1 000. */
  readonly retryMs: number
}

export const DEFAULT_WATCH_OPTIONS: WatchOptions = {
  heartbeatMs: 15_000,
  maxBufferedBytes: 4 * 1024 * 1024,
  maxTotalBufferedBytes: 32 * 1024 * 1024,
  replayPage: 256,
  cutoffGraceMs: 2_000,
  retryMs: 1_000
}

/** Counters of every watch stream of a node. */
export interface FeedStats {
  watchers: number
  events: number
  resets: number
  cutoffs: number
  errors: number
}

/** An op that arrived live, or the node's applied vector jumping without ops (a state transfer). */
type Item = { readonly op: Op } | { readonly jump: VersionVector }

/** About what an op costs while it waits in the queue. */
function opBytes(op: Op): number {
  if (op.kind === 'reg') return 128 + op.key.length + op.write.sibling.value.byteLength
  let n = 128 + op.key.length
  for (const c of op.changes) n += c.byteLength
  return n
}

/**
 * One GET /watch stream. Invariants (DESIGN.md, change feed):
 * - It subscribes to commits before it reads the applied vector it replays up to, so every op
 *   is either at or below that vector (replayed from the log) or in a commit seen live.
 * - `Position` only moves forward, per origin in seq order; an op at or below it is never sent
 *   again, so a replayed op that also arrives live, or one the resume point covers, is dropped.
 * - The id of each event is the position after it: resuming from it misses nothing and repeats
 *   nothing while the log holds the ops above it; otherwise the stream starts with `reset`.
 * - Nothing grows without bound: live ops wait in a queue whose bytes, together with what the
 *   socket has not sent, are capped; past the cap the watcher is cut off with a reason. What all
 *   watchers hold is capped too (FeedBudget): past it the one holding the most is cut off.
 */
export class WatchStream {
  private readonly pos: Position
  private readonly queue: Item[] = []
  private queuedBytes = 0
  /** Per origin, the highest seq of an op this stream was given (replay bound or live). */
  private readonly given: Record<string, number> = {}
  private unsubscribe: (() => void) | undefined
  private heartbeat: Cancellable | undefined
  private lastSentId = ''
  private pumping = false
  private live = false
  private closed = false

  constructor(
    private readonly engine: Engine,
    private readonly res: ServerResponse,
    private readonly prefix: string,
    private readonly from: ResumePoint | undefined,
    private readonly opts: WatchOptions,
    private readonly stats: FeedStats,
    private readonly onError: (err: unknown) => void,
    private readonly scheduler: Scheduler = realScheduler,
    private readonly budget: FeedBudget<WatchStream> = new FeedBudget(opts.maxTotalBufferedBytes)
  ) {
    this.pos = new Position(from ?? {})
  }

  /** Starts the stream: replay (when resuming), then live. Resolves once replay is done. */
  async start(): Promise<void> {
    this.stats.watchers++
    this.res.on('close', () => this.close())
    // What the socket held is sent: the shared budget learns it without waiting for the next event.
    this.res.on('drain', () => this.account())
    // Subscribe first, then read the vector: no commit can fall between the two (both synchronous).
    this.unsubscribe = this.engine.onCommit((ops) => this.onCommit(ops))
    const applied = { ...this.engine.applied }
    const floor = this.engine.floor
    Object.assign(this.given, applied)
    this.write(sseRetry(this.opts.retryMs))
    this.heartbeat = repeat(this.scheduler, this.opts.heartbeatMs, () => this.beat())
    try {
      if (this.from === undefined) this.pos.raise(applied)
      else await this.replay(this.from, applied, floor)
      if (this.closed) return
      this.send('ready', {})
      this.live = true
      await this.pump()
    } catch (err) {
      this.fail(err)
    }
  }

  /** Ends the stream with a last event saying why (SHUTDOWN, SLOW_WATCHER). */
  cutoff(reason: 'SLOW_WATCHER' | 'SHUTDOWN', message: string): void {
    if (this.closed) return
    if (reason === 'SLOW_WATCHER') this.stats.cutoffs++
    const res = this.res
    res.write(sseEvent('cutoff', undefined, { reason, message }))
    // The connection goes too, once the reader took the rest: a kept-alive socket would leave
    // the client waiting for more of a stream that has ended.
    const socket = res.socket
    res.end(() => socket?.end())
    // A reader that stalled will not take the rest: its buffer goes with the connection.
    this.scheduler.setTimeout(() => { if (!res.writableFinished) res.destroy() }, this.opts.cutoffGraceMs)
    this.close()
  }

  close(): void {
    if (this.closed) return
    this.closed = true
    this.stats.watchers--
    this.unsubscribe?.()
    this.heartbeat?.cancel()
    this.queue.length = 0
    this.queuedBytes = 0
    this.budget.release(this)
  }

  private async replay(from: ResumePoint, applied: VersionVector, floor: VersionVector): Promise<void> {
    const plan = planResume(from, applied, floor)
    if (plan.kind === 'reset') {
      this.reset(applied, 'COMPACTED', `this node's log no longer holds every op after that resume point (origins ${plan.origins.join(', ')}); list again`)
      return
    }
    for (const r of plan.ranges) {
      let next = r.after + 1
      while (next <= r.upTo && !this.closed) {
        const ops = await this.engine.readLog(r.origin, next, Math.min(this.opts.replayPage, r.upTo - next + 1))
        // Compaction may have dropped the ops meanwhile: the feed cannot go on without a gap.
        if (ops[0]?.seq !== next) {
          this.reset(applied, 'COMPACTED', 'the log was compacted while this stream replayed it; list again')
          return
        }
        for (const op of ops) {
          if (op.seq > r.upTo || op.seq !== next || this.closed) break
          await this.deliver(op)
          next = op.seq + 1
          // Replay pulls from the log only as fast as the watcher reads.
          if (this.res.writableNeedDrain) await this.drained()
        }
      }
    }
  }

  private onCommit(ops: readonly Op[]): void {
    if (this.closed) return
    for (const op of ops) {
      if (op.seq > (this.given[op.origin] ?? 0)) this.given[op.origin] = op.seq
      this.push({ op }, opBytes(op))
    }
    // Applied moved past what came as ops: writes arrived as state, which the feed cannot list.
    const applied = this.engine.applied
    if (vvEntries(applied).some(([o, s]) => s > (this.given[o] ?? 0))) {
      Object.assign(this.given, applied)
      this.push({ jump: { ...applied } }, 128)
    }
    if (this.live && !this.pumping) void this.pump()
  }

  private push(item: Item, bytes: number): void {
    this.queue.push(item)
    this.queuedBytes += bytes
    if (this.queuedBytes + this.res.writableLength > this.opts.maxBufferedBytes) this.tooSlow()
    else this.account()
  }

  /** Tells the shared budget what this stream holds; cuts off the one holding the most when over it. */
  private account(): void {
    if (this.closed) return
    const over = this.budget.hold(this, this.queuedBytes + this.res.writableLength)
    over?.cutoff('SLOW_WATCHER', `the watchers of this node fell more than ${this.opts.maxTotalBufferedBytes} bytes behind together, this one the most; reconnect with Last-Event-ID to resume`)
  }

  private tooSlow(): void {
    this.cutoff('SLOW_WATCHER', `this watcher fell more than ${this.opts.maxBufferedBytes} bytes behind; reconnect with Last-Event-ID to resume`)
  }

  private async pump(): Promise<void> {
    this.pumping = true
    try {
      while (!this.closed) {
        const item = this.queue.shift()
        if (item === undefined) break
        if ('op' in item) {
          this.queuedBytes -= opBytes(item.op)
          await this.deliver(item.op)
        } else {
          this.queuedBytes -= 128
          if (vvEntries(item.jump).some(([o, s]) => s > this.pos.get(o))) {
            this.reset(item.jump, 'STATE_TRANSFER', 'this node received writes as a state transfer, which the feed cannot list; list again')
          }
        }
        if (this.res.writableLength > this.opts.maxBufferedBytes) this.tooSlow()
        else this.account()
      }
    } catch (err) {
      this.fail(err)
    } finally {
      this.pumping = false
    }
  }

  private async deliver(op: Op): Promise<void> {
    if (!this.pos.pass(op.origin, op.seq)) return
    if (!matches(op, this.prefix)) return
    const data = await changeEvent(this.engine, op)
    this.stats.events++
    this.send('change', data)
  }

  private reset(to: VersionVector, reason: 'COMPACTED' | 'STATE_TRANSFER', message: string): void {
    this.stats.resets++
    this.pos.raise(to)
    // The watcher lists again from now on: ops at or below `to` are in what it lists.
    for (const [o, s] of vvEntries(to)) if (s > vvGet(this.given, o)) this.given[o] = s
    this.send('reset', { reason, message })
  }

  private send(event: string, data: unknown): void {
    const id = formatResumePoint(this.pos.point)
    this.lastSentId = id
    this.write(sseEvent(event, id, data))
  }

  /** A heartbeat: a comment, or a `progress` event when the position moved past filtered ops. */
  private beat(): void {
    if (this.closed) return
    const id = formatResumePoint(this.pos.point)
    if (this.live && !this.pumping && this.queue.length === 0 && id !== this.lastSentId) this.send('progress', {})
    else this.write(sseComment('heartbeat'))
  }

  private write(chunk: string): void {
    if (!this.closed) this.res.write(chunk)
  }

  private drained(): Promise<void> {
    return new Promise((resolve) => {
      const done = () => { this.res.off('drain', done); this.res.off('close', done); resolve() }
      this.res.on('drain', done)
      this.res.on('close', done)
    })
  }

  private fail(err: unknown): void {
    this.stats.errors++
    this.onError(err)
    if (!this.closed) { this.res.destroy(); this.close() }
  }
}
