import type { Cancellable, Dot, Scheduler } from '@swarmkv/core'

interface Waiter { readonly dots: readonly Dot[]; readonly resolve: (ok: boolean) => void; timer: Cancellable | undefined }

/** Reads waiting (`X-After`) until this node has applied some writes, each with a deadline. */
export class DotWaiters {
  private readonly waiting = new Set<Waiter>()

  constructor(private readonly hasApplied: (dot: Dot) => boolean, private readonly scheduler: Scheduler) {}

  /** Resolves true once every dot is applied, false after `timeoutMs` (at once when it is 0). */
  wait(dots: readonly Dot[], timeoutMs: number): Promise<boolean> {
    if (dots.every(this.hasApplied)) return Promise.resolve(true)
    if (timeoutMs <= 0) return Promise.resolve(false)
    return new Promise((resolve) => {
      const w: Waiter = { dots, resolve, timer: undefined }
      w.timer = this.scheduler.setTimeout(() => { this.waiting.delete(w); resolve(false) }, timeoutMs)
      this.waiting.add(w)
    })
  }

  /** Resolves the waits whose dots are all applied now. */
  wake(): void {
    for (const w of this.waiting) {
      if (w.dots.every(this.hasApplied)) {
        w.timer?.cancel()
        this.waiting.delete(w)
        w.resolve(true)
      }
    }
  }

  /** Resolves every wait with false. */
  failAll(): void {
    for (const w of this.waiting) { w.timer?.cancel(); w.resolve(false) }
    this.waiting.clear()
  }
}
