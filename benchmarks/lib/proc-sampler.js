import { readFileSync } from 'node:fs'
import { execFileSync } from 'node:child_process'

/** Kernel clock ticks per second, the unit of utime/stime in /proc/<pid>/stat. */
const CLK_TCK = (() => {
  try {
    return Number(execFileSync('getconf', ['CLK_TCK']).toString().trim()) || 100
  } catch {
    return 100
  }
})()

function cpuTicks(pid) {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
  // Fields after the command name, which may hold spaces: utime and stime are the 14th and 15th.
  const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
  return Number(rest[11]) + Number(rest[12])
}

function rssKiB(pid) {
  const m = /VmRSS:\s+(\d+)\s+kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))
  return m === null ? NaN : Number(m[1])
}

/**
 * Samples the CPU time and resident memory of server processes while a load runs.
 * CPU is reported as percent of one core over the window (100 = one core busy), summed over pids.
 */
export class ProcSampler {
  constructor(pids, intervalMs = 250) {
    this.pids = pids.filter((p) => p !== undefined)
    this.intervalMs = intervalMs
    this.timer = undefined
    this.peakRss = 0
    this.lastRss = 0
  }

  start() {
    this.t0 = performance.now()
    this.ticks0 = this.totalTicks()
    this.peakRss = 0
    this.sample()
    this.timer = setInterval(() => this.sample(), this.intervalMs)
    this.timer.unref()
  }

  totalTicks() {
    let t = 0
    for (const pid of this.pids) {
      try { t += cpuTicks(pid) } catch { /* process gone */ }
    }
    return t
  }

  /** Current summed RSS in MiB. */
  rssMiB() {
    let kib = 0
    for (const pid of this.pids) {
      try { kib += rssKiB(pid) } catch { /* process gone */ }
    }
    return kib / 1024
  }

  sample() {
    this.lastRss = this.rssMiB()
    if (this.lastRss > this.peakRss) this.peakRss = this.lastRss
  }

  stop() {
    if (this.timer !== undefined) clearInterval(this.timer)
    this.sample()
    const wallS = (performance.now() - this.t0) / 1000
    const cpuS = (this.totalTicks() - this.ticks0) / CLK_TCK
    return { serverCpuPct: wallS > 0 ? Math.round((cpuS / wallS) * 1000) / 10 : NaN, serverRssMiB: Math.round(this.peakRss * 10) / 10 }
  }
}
