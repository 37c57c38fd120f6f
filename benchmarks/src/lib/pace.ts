/**
 * Open-loop pacing: calls `fire(i)` for i = 0, 1, … at `rate` per second, without waiting for
 * earlier calls, until `count` calls or `durationS` seconds, whichever comes first. Resolves once
 * every fired promise has settled (each is expected to bound itself in time).
 */
export interface PacedOptions {
  rate: number
  durationS: number
  count?: number
  fire: (i: number) => Promise<unknown>
}

export async function paced({ rate, durationS, count = Math.ceil(rate * durationS), fire }: PacedOptions): Promise<number> {
  const inflight: Array<Promise<unknown>> = []
  const t0 = performance.now()
  let sent = 0
  await new Promise<void>((resolve) => {
    const tick = (): void => {
      const elapsed = (performance.now() - t0) / 1000
      const due = Math.min(count, Math.floor(elapsed * rate) + 1)
      while (sent < due) inflight.push(fire(sent++))
      if (sent >= count || elapsed >= durationS) resolve()
      else setTimeout(tick, Math.max(1, Math.min(10, 1000 / rate)))
    }
    tick()
  })
  await Promise.allSettled(inflight)
  return sent
}
