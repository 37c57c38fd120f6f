import { delay, foregroundScheduler, type Scheduler } from '@swarmkv/core'

/**
 * Polls `check` until it returns a value other than undefined/false, or throws after `timeoutMs`
 * with the last observation. For conditions on other processes, which have no event to await.
 * The default scheduler's timers keep the process alive: a script may be doing nothing but this.
 */
export async function waitUntil<T>(
  what: string, check: () => Promise<T | undefined | false>, timeoutMs = 30_000, intervalMs = 50, scheduler: Scheduler = foregroundScheduler
): Promise<T> {
  const deadline = scheduler.now() + timeoutMs
  let last: unknown
  for (;;) {
    try {
      const v = await check()
      if (v !== undefined && v !== false) return v
      last = v
    } catch (e) {
      last = e
    }
    if (scheduler.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}; last: ${last instanceof Error ? last.message : JSON.stringify(last)}`)
    await delay(scheduler, intervalMs)
  }
}
