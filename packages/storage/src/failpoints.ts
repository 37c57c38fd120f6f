/**
 * Crash points (like etcd's gofail): named places in the write path where a test can have the
 * process killed with SIGKILL, to check what a crash at exactly that step leaves. Off unless the
 * composition root builds them from SWARMKV_FAILPOINT (`name` or `name:N`, killed at the Nth hit).
 */
export const FAILPOINTS = [
  /** A commit's log append landed; no checkpoint covers it yet; its requests are not answered. */
  'after-log-append',
  /** A background checkpoint wrote its key states, not its marker. */
  'mid-checkpoint',
  /** A compaction's checkpoint landed (floor raised); the log below it is not cleared yet. */
  'after-checkpoint',
  /** A commit with documents: its log append landed, its chunks (the LevelDB batch after it) not. */
  'after-log-before-chunks',
  /** Inside a log append: half of its bytes written (a torn record), then the kill. */
  'torn-log-append'
] as const

export type FailpointName = typeof FAILPOINTS[number]

export interface Failpoints {
  /** `beforeKill` runs first when this hit kills: what the step had done when the crash came (a torn write). */
  hit(name: FailpointName, beforeKill?: () => void): void
}

export const NO_FAILPOINTS: Failpoints = { hit() {} }

/** Failpoints from an environment (SWARMKV_FAILPOINT); none when it is unset. */
export function failpointsFromEnv(env: Readonly<Record<string, string | undefined>>, kill: () => void = killNow): Failpoints {
  const spec = env['SWARMKV_FAILPOINT']
  if (spec === undefined || spec === '') return NO_FAILPOINTS
  const [name, count] = spec.split(':')
  if (!(FAILPOINTS as readonly string[]).includes(name!)) throw new Error(`SWARMKV_FAILPOINT: unknown failpoint ${name}; known: ${FAILPOINTS.join(', ')}`)
  let left = count === undefined ? 1 : Number(count)
  if (!Number.isInteger(left) || left < 1) throw new Error(`SWARMKV_FAILPOINT: bad count in ${spec}`)
  return {
    hit(n, beforeKill) {
      if (n !== name || --left > 0) return
      beforeKill?.()
      process.stderr.write(`failpoint ${n} reached: SIGKILL\n`)
      kill()
    }
  }
}

function killNow(): void {
  process.kill(process.pid, 'SIGKILL')
}
