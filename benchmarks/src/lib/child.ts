import { spawn, type ChildProcess } from 'node:child_process'
import type { Writable } from 'node:stream'

export interface StartOptions {
  /** Resolves once the output matches (at once without one). */
  ready?: RegExp
  log?: Writable
  timeoutMs?: number
  cwd?: string
  env?: NodeJS.ProcessEnv
}

export interface Started { child: ChildProcess; pid: number; match: RegExpExecArray | null }

/**
 * Starts a server process and resolves once its output matches `ready` (at once without one).
 * Output goes to `log` (a writable stream) so failures can be read afterwards.
 */
export function startProcess(cmd: string, args: string[], { ready, log, timeoutMs = 30_000, cwd, env }: StartOptions): Promise<Started> {
  const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'], cwd, env: env ?? process.env })
  const pid = child.pid
  if (pid === undefined) return Promise.reject(new Error(`${cmd} could not be started`))
  child.stdout.on('data', (c: Buffer) => log?.write(c))
  child.stderr.on('data', (c: Buffer) => log?.write(c))
  if (ready === undefined) return Promise.resolve({ child, pid, match: null })
  return new Promise((resolve, reject) => {
    let buf = ''
    const timer = setTimeout(() => { child.kill('SIGKILL'); reject(new Error(`${cmd} was not ready within ${timeoutMs} ms`)) }, timeoutMs)
    const onData = (c: Buffer): void => {
      buf += c.toString()
      const m = ready.exec(buf)
      if (m !== null) {
        clearTimeout(timer)
        child.stdout.off('data', onData)
        child.stderr.off('data', onData)
        resolve({ child, pid, match: m })
      }
    }
    child.stdout.on('data', onData)
    child.stderr.on('data', onData)
    child.on('exit', (code, signal) => { clearTimeout(timer); reject(new Error(`${cmd} exited (${signal ?? code}) before it was ready`)) })
  })
}

/** Stops a child we started: SIGTERM, then SIGKILL after `graceMs`. */
export async function stopProcess(child: ChildProcess | undefined, graceMs = 3000): Promise<void> {
  if (child === undefined || child.exitCode !== null || child.signalCode !== null) return
  const exited = new Promise((r) => child.once('exit', r))
  child.kill('SIGTERM')
  const t = setTimeout(() => child.kill('SIGKILL'), graceMs)
  await exited
  clearTimeout(t)
}
