import { readFileSync, readdirSync } from 'node:fs'

/**
 * Per-thread CPU time and context switches of one process, from /proc: the run time each thread
 * was on a CPU (schedstat, nanoseconds, not tick-sampled) and how often it was switched out.
 * The main thread is the one whose id is the pid; the rest are libuv's pool (LevelDB's writes
 * and reads run there), V8's platform workers (GC) and LevelDB's own compaction thread.
 */
interface ThreadTimes { runNs: number; switches: number }

function readThreads(pid: number): Map<string, ThreadTimes> {
  const out = new Map<string, ThreadTimes>()
  for (const tid of readdirSync(`/proc/${pid}/task`)) {
    try {
      const runNs = Number(readFileSync(`/proc/${pid}/task/${tid}/schedstat`, 'utf8').split(' ')[0])
      const status = readFileSync(`/proc/${pid}/task/${tid}/status`, 'utf8')
      const sw = (name: string): number => Number(new RegExp(`^${name}:\\s+(\\d+)`, 'm').exec(status)?.[1] ?? 0)
      out.set(tid, { runNs, switches: sw('voluntary_ctxt_switches') + sw('nonvoluntary_ctxt_switches') })
    } catch {
      // The thread ended between the listing and the read.
    }
  }
  return out
}

export interface ThreadCost {
  mainUsPerReq: number
  otherUsPerReq: number
  totalUsPerReq: number
  mainSwitchesPerReq: number
  otherSwitchesPerReq: number
  busyThreads: number
}

export class ThreadSampler {
  private before = new Map<string, ThreadTimes>()

  constructor(private readonly pid: number) {}

  start(): void {
    this.before = readThreads(this.pid)
  }

  /** CPU microseconds and context switches per unit of work (`per`: requests served). */
  stop(per: number): ThreadCost {
    const after = readThreads(this.pid)
    const main = { us: 0, switches: 0 }
    const others = { us: 0, switches: 0, threads: 0 }
    for (const [tid, a] of after) {
      const b = this.before.get(tid) ?? { runNs: 0, switches: 0 }
      const d = { us: (a.runNs - b.runNs) / 1000, switches: a.switches - b.switches }
      if (tid === String(this.pid)) Object.assign(main, d)
      else if (d.us > 0) { others.us += d.us; others.switches += d.switches; others.threads++ }
    }
    const r = (x: number): number => Math.round((x / per) * 100) / 100
    return {
      mainUsPerReq: r(main.us), otherUsPerReq: r(others.us), totalUsPerReq: r(main.us + others.us),
      mainSwitchesPerReq: r(main.switches), otherSwitchesPerReq: r(others.switches), busyThreads: others.threads + 1
    }
  }
}
