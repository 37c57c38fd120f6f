import { readFileSync } from 'node:fs'
import { execFileSync } from 'node:child_process'

/** Kernel clock ticks per second, the unit of utime/stime in /proc/<pid>/stat. */
export const CLK_TCK = ((): number => {
  try {
    return Number(execFileSync('getconf', ['CLK_TCK']).toString().trim()) || 100
  } catch {
    return 100
  }
})()

/** Fields of /proc/<pid>/stat after the command name (which may hold spaces). */
export function statFields(stat: string): string[] {
  return stat.slice(stat.lastIndexOf(')') + 2).split(' ')
}

function cpuTicks(pid: number): number {
  // utime and stime are the 14th and 15th fields, the 12th and 13th after the name.
  const rest = statFields(readFileSync(`/proc/${pid}/stat`, 'utf8'))
  return Number(rest[11]) + Number(rest[12])
}

function rssKiB(pid: number): number {
  const m = /VmRSS:\s+(\d+)\s+kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))
  return m === null ? NaN : Number(m[1])
}

/**
 * Samples the CPU time and resident memory of server processes while a load runs.
 * CPU is reported as percent of one core over the window (100 = one core busy), summed over pids.
 */
export class ProcSampler {
  private readonly pids: number[]
  private timer: NodeJS.Timeout | undefined
  private t0 = 0
  private ticks0 = 0
  private peakRss = 0
  lastRss = 0
  /** Last CPU ticks read per pid: a process that exits keeps the time it had used. */
  private readonly ticks = new Map<number, number>()

  constructor(pids: Array<number | undefined>, private readonly intervalMs = 250) {
    this.pids = pids.filter((p): p is number => p !== undefined)
  }

  start(): void {
    this.t0 = performance.now()
    this.ticks0 = this.totalTicks()
    this.peakRss = 0
    this.sample()
    this.timer = setInterval(() => this.sample(), this.intervalMs)
    this.timer.unref()
  }

  private totalTicks(): number {
    let t = 0
    for (const pid of this.pids) {
      try { this.ticks.set(pid, cpuTicks(pid)) } catch { /* process gone: keep its last reading */ }
      t += this.ticks.get(pid) ?? 0
    }
    return t
  }

  /** Current summed RSS in MiB. */
  rssMiB(): number {
    let kib = 0
    for (const pid of this.pids) {
      try { kib += rssKiB(pid) } catch { /* process gone */ }
    }
    return kib / 1024
  }

  private sample(): void {
    this.totalTicks()
    this.lastRss = this.rssMiB()
    if (this.lastRss > this.peakRss) this.peakRss = this.lastRss
  }

  stop(): { cpuPct: number; rssMiB: number } {
    if (this.timer !== undefined) clearInterval(this.timer)
    this.sample()
    const wallS = (performance.now() - this.t0) / 1000
    const cpuS = (this.totalTicks() - this.ticks0) / CLK_TCK
    return { cpuPct: wallS > 0 ? Math.round((cpuS / wallS) * 1000) / 10 : NaN, rssMiB: Math.round(this.peakRss * 10) / 10 }
  }
}

function coreTicks(core: number): { busy: number; total: number } | undefined {
  const line = readFileSync('/proc/stat', 'utf8').split('\n').find((l) => l.startsWith(`cpu${core} `))
  if (line === undefined) return undefined
  const f = line.trim().split(/\s+/).slice(1).map(Number)
  // user nice system idle iowait irq softirq steal: busy excludes idle and iowait.
  const idle = (f[3] ?? 0) + (f[4] ?? 0)
  const total = f.slice(0, 8).reduce((a, b) => a + b, 0)
  return { busy: total - idle, total }
}

/**
 * How busy a core was with work other than `pids` over a window, in percent of the core: the
 * noise a shared machine adds to a pinned run. Only meaningful when `pids` are pinned to `core`.
 */
export class CoreNoise {
  private readonly procs: ProcSampler
  private t0: { busy: number; total: number } | undefined

  constructor(private readonly core: number, pids: Array<number | undefined>) {
    this.procs = new ProcSampler(pids)
  }

  start(): void {
    this.t0 = coreTicks(this.core)
    this.procs.start()
  }

  stop(): number {
    const own = this.procs.stop().cpuPct
    const t1 = coreTicks(this.core)
    if (this.t0 === undefined || t1 === undefined || t1.total === this.t0.total) return NaN
    const busyPct = ((t1.busy - this.t0.busy) / (t1.total - this.t0.total)) * 100
    return Math.max(0, Math.round((busyPct - own) * 10) / 10)
  }
}
