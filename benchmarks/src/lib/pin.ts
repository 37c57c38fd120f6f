import { execFileSync } from 'node:child_process'
import { availableParallelism } from 'node:os'

/**
 * CPU pinning: servers on core 0, load generators on core 1, so the server's CPU is measured
 * apart and the load generator never steals the server's core. Needs `taskset` and two cores;
 * without them everything floats and the report says so.
 */
export const SERVER_CORE = 0
export const LOAD_CORE = 1

function hasTaskset(): boolean {
  try {
    execFileSync('taskset', ['-p', String(process.pid)], { stdio: 'ignore' })
    return true
  } catch {
    return false
  }
}

export interface PinPlan {
  enabled: boolean
  cores: number
  serverCore?: number
  loadCore?: number
  note: string
}

export function pinningPlan(disabled = false): PinPlan {
  const cores = availableParallelism()
  if (disabled) return { enabled: false, cores, note: 'not pinned: --no-pin was given' }
  if (!hasTaskset()) return { enabled: false, cores, note: 'not pinned: taskset is not installed (util-linux)' }
  if (cores < 2) return { enabled: false, cores, note: `not pinned: only ${cores} core` }
  return {
    enabled: true,
    cores,
    serverCore: SERVER_CORE,
    loadCore: LOAD_CORE,
    note: `pinned with taskset: servers on core ${SERVER_CORE}, load generators on core ${LOAD_CORE}`
  }
}

/** Pins a running process and all its threads (threads made later inherit it). */
export function pinPid(plan: PinPlan, pid: number | undefined, core: number): void {
  if (!plan.enabled || pid === undefined) return
  execFileSync('taskset', ['-a', '-cp', String(core), String(pid)], { stdio: 'ignore' })
}

/** The command line that starts `cmd args` on `core` (unchanged when pinning is off). */
export function pinnedCommand(plan: PinPlan, core: number, cmd: string, args: string[]): [string, string[]] {
  return plan.enabled ? ['taskset', ['-c', String(core), cmd, ...args]] : [cmd, args]
}
