import { describe, expect, it } from 'vitest'
import { delay, foregroundScheduler, realScheduler, repeat, type Cancellable, type Scheduler } from '@swarmkv/core'

/** A hand-driven virtual clock: `advance` runs what falls due, in (time, insertion) order. */
class ManualScheduler implements Scheduler {
  time = 0
  private queue: { at: number; n: number; fn: () => void; off: boolean }[] = []
  private n = 0
  now(): number { return this.time }
  wallNow(): number { return 1_000_000 + this.time }
  setTimeout(fn: () => void, ms: number): Cancellable {
    const e = { at: this.time + ms, n: this.n++, fn, off: false }
    this.queue.push(e)
    return { cancel: () => { e.off = true } }
  }
  advance(ms: number): void {
    const until = this.time + ms
    for (;;) {
      this.queue.sort((a, b) => a.at - b.at || a.n - b.n)
      const e = this.queue[0]
      if (e === undefined || e.at > until) break
      this.queue.shift()
      this.time = e.at
      if (!e.off) e.fn()
    }
    this.time = until
  }
}

const timeouts = (): number => process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length

describe('realScheduler', () => {
  it('reads a monotonic clock for now and the epoch for wallNow', () => {
    const a = realScheduler.now()
    const b = realScheduler.now()
    expect(b).toBeGreaterThanOrEqual(a)
    expect(Math.abs(realScheduler.now() - performance.now())).toBeLessThan(50)
    expect(Math.abs(realScheduler.wallNow() - Date.now())).toBeLessThan(50)
  })

  it('runs a timer once after its delay, and not at all once cancelled', async () => {
    const ran: string[] = []
    const started = realScheduler.now()
    let firedAt = 0
    realScheduler.setTimeout(() => { ran.push('kept'); firedAt = realScheduler.now() }, 20)
    const off = realScheduler.setTimeout(() => ran.push('cancelled'), 10)
    off.cancel()
    off.cancel()
    await new Promise((r) => setTimeout(r, 60))
    expect(ran).toEqual(['kept'])
    expect(firedAt - started).toBeGreaterThanOrEqual(19)
  })

  it('unrefs its timers, so a pending one does not keep the process alive', () => {
    const before = timeouts()
    const t = realScheduler.setTimeout(() => undefined, 10_000)
    expect(timeouts()).toBe(before)
    t.cancel()
    const ref = setTimeout(() => undefined, 10_000)
    expect(timeouts()).toBe(before + 1) // the probe sees an ordinary timer, so it can see one
    clearTimeout(ref)
  })

  it('foregroundScheduler keeps its pending timer alive, on the same clocks', async () => {
    const before = timeouts()
    const t = foregroundScheduler.setTimeout(() => undefined, 10_000)
    expect(timeouts()).toBe(before + 1)
    t.cancel()
    expect(timeouts()).toBe(before)
    expect(Math.abs(foregroundScheduler.now() - realScheduler.now())).toBeLessThan(50)
    expect(Math.abs(foregroundScheduler.wallNow() - Date.now())).toBeLessThan(50)
    let ran = false
    await delay(foregroundScheduler, 5).then(() => { ran = true })
    expect(ran).toBe(true)
  })
})

describe('repeat and delay', () => {
  it('repeat runs every period until cancelled, even when fn cancels it', () => {
    const s = new ManualScheduler()
    const at: number[] = []
    const r = repeat(s, 100, () => at.push(s.now()))
    s.advance(350)
    expect(at).toEqual([100, 200, 300])
    r.cancel()
    s.advance(1000)
    expect(at).toEqual([100, 200, 300])
    let count = 0
    const self: Cancellable = repeat(s, 10, () => { if (++count === 2) self.cancel() })
    s.advance(100)
    expect(count).toBe(2)
  })

  it('delay resolves after its time on the given scheduler', async () => {
    const s = new ManualScheduler()
    let done = false
    const p = delay(s, 50).then(() => { done = true })
    s.advance(49)
    await Promise.resolve()
    expect(done).toBe(false)
    s.advance(1)
    await p
    expect(done).toBe(true)
    expect(s.now()).toBe(50)
  })
})
