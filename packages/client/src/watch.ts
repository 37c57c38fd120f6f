// The scheduler alone, not core's index: the client loads no CRDT or codec code.
import { delay, foregroundScheduler, type Scheduler } from '@swarmkv/core/scheduler'
import type { ChangeEventData, CutoffEventData, ResetEventData } from './schemas.js'
import { ClientErrorCode, SwarmkvError } from './errors.js'
import { toError, type Transport } from './transport.js'
import { parseSse } from './sse.js'

/** What a watch yields: a change, or a reset (list again: the feed cannot say what changed). */
export type WatchEvent =
  | { readonly type: 'change'; readonly id: string; readonly data: ChangeEventData }
  | { readonly type: 'reset'; readonly id: string; readonly data: ResetEventData }

export interface WatchOptions {
  /** Only keys and documents starting with this. */
  readonly prefix?: string
  /** Resume after this event id (an id a watch yielded before). */
  readonly after?: string
  /** Stops the watch: the iterator ends. */
  readonly signal?: AbortSignal
  /** Called when the stream drops and the watch reconnects (for logs). */
  readonly onReconnect?: (reason: string) => void
  /**
   * Time for the reconnect wait. Default foregroundScheduler: its timer keeps the process alive,
   * since while a watch waits to reconnect nothing else may (`swarmkv watch`).
   */
  readonly scheduler?: Scheduler
}

/** Default wait before reconnecting when the server gave none, ms. */
const DEFAULT_RETRY_MS = 1000

function isAborted(signal: AbortSignal | undefined): boolean {
  return signal?.aborted === true
}

/** Waits ms, or less when the signal aborts first. */
function sleep(scheduler: Scheduler, ms: number, signal: AbortSignal | undefined): Promise<void> {
  if (signal === undefined) return delay(scheduler, ms)
  const aborting = signal
  return new Promise((resolve) => {
    const t = scheduler.setTimeout(done, ms)
    function done() { t.cancel(); aborting.removeEventListener('abort', done); resolve() }
    aborting.addEventListener('abort', done, { once: true })
  })
}

/**
 * The change feed as an async iterator that resumes by itself: every event's id is kept, and a
 * dropped stream (a node restarting, a cut-off, a network error) is reopened with Last-Event-ID
 * on the next node that answers, so the caller sees every change once, in order per origin.
 * A 4xx answer (a bad id, a missing token) ends the watch with its error.
 */
export async function* watchFeed(transport: Transport, opts: WatchOptions = {}): AsyncGenerator<WatchEvent> {
  let last = opts.after
  let retry = DEFAULT_RETRY_MS
  const path = `/watch${opts.prefix !== undefined && opts.prefix !== '' ? `?prefix=${encodeURIComponent(opts.prefix)}` : ''}`
  while (opts.signal?.aborted !== true) {
    let reason: string
    try {
      const res = await transport.request('GET', path, {
        headers: { accept: 'text/event-stream', ...(last !== undefined ? { 'last-event-id': last } : {}) },
        signal: opts.signal, timeoutMs: 0
      })
      if (!res.ok) throw await toError(res)
      if (res.body === null) throw new SwarmkvError(res.status, ClientErrorCode.BAD_RESPONSE, 'the watch answered without a body')
      reason = 'the stream ended'
      for await (const m of parseSse(res.body)) {
        if (m.retry !== undefined) retry = m.retry
        if (m.id !== undefined) last = m.id
        if (m.event === 'change' || m.event === 'reset') {
          yield { type: m.event, id: m.id ?? '', data: JSON.parse(m.data) }
        } else if (m.event === 'cutoff') {
          reason = `cut off: ${(JSON.parse(m.data) as CutoffEventData).message}`
        }
      }
    } catch (e) {
      if (isAborted(opts.signal)) return
      if (e instanceof SwarmkvError && e.status >= 400 && e.status < 500) throw e
      reason = e instanceof Error ? e.message : String(e)
    }
    opts.onReconnect?.(reason)
    await sleep(opts.scheduler ?? foregroundScheduler, retry, opts.signal)
  }
}
