import type { ChildProcess } from 'node:child_process'
import type { Scheduler } from '@swarmkv/core'

/** How long a node has to stop after SIGTERM before it is killed (its close took 4-6 s in dev here, on a busy machine). */
export const STOP_GRACE_MS = 20_000

/** How one child process ended: a code, or the signal that killed it (Node gives one of the two). */
export interface ChildExit {
  readonly name: string
  readonly pid: number | undefined
  readonly code: number | null
  readonly signal: NodeJS.Signals | null
  /** Set when the process could not be spawned, or lost its IPC with us. */
  readonly error?: Error
}

export const isCleanExit = (e: ChildExit): boolean => e.code === 0 && e.error === undefined

export function describeExit(e: ChildExit): string {
  const who = `${e.name}${e.pid === undefined ? '' : ` (pid ${e.pid})`}`
  if (e.error !== undefined) return `${who} failed: ${e.error.message}`
  if (e.signal !== null) return `${who} was killed by ${e.signal}`
  return `${who} exited with code ${e.code ?? 'unknown'}`
}

/**
 * A running child and the promise of its end. The listeners go on at spawn, before the child can
 * end: a process killed by a signal has exitCode null for good (signalCode holds the signal), so
 * "exitCode === null" cannot tell a dead child from a live one, and an 'exit' listener added after
 * the event never fires.
 */
export interface Supervised {
  readonly name: string
  readonly child: ChildProcess
  readonly ended: Promise<ChildExit>
  running(): boolean
}

export function supervise(name: string, child: ChildProcess): Supervised {
  let done = false
  const ended = new Promise<ChildExit>((resolve) => {
    const end = (e: ChildExit) => { if (!done) { done = true; resolve(e) } }
    child.once('exit', (code, signal) => end({ name, pid: child.pid, code, signal }))
    // 'error' without 'exit' when spawn fails; without a listener it would throw in this process.
    child.once('error', (error) => end({ name, pid: child.pid, code: null, signal: null, error }))
  })
  return { name, child, ended, running: () => !done }
}

/**
 * Sends SIGTERM to every child still running and resolves once all have ended. One still up after
 * graceMs, or when `force` settles (a second Ctrl-C), gets SIGKILL, so this always ends; `onKill`
 * hears of each such kill.
 */
export async function stopAll(
  children: readonly Supervised[], scheduler: Scheduler, onKill: (name: string) => void,
  { graceMs = STOP_GRACE_MS, force }: { graceMs?: number; force?: Promise<unknown> } = {}
): Promise<ChildExit[]> {
  for (const c of children) if (c.running()) c.child.kill('SIGTERM')
  const killRest = () => {
    for (const c of children) {
      if (c.running()) { onKill(c.name); c.child.kill('SIGKILL') }
    }
  }
  // The children's own handles keep the process alive meanwhile; the grace timer need not.
  const grace = scheduler.setTimeout(killRest, graceMs)
  void force?.then(killRest, killRest)
  try {
    return await Promise.all(children.map((c) => c.ended))
  } finally {
    grace.cancel()
  }
}
