/**
 * results/history.jsonl: one small row per full run (newest last), so the "every full run" table
 * shows how much this shared machine moves the target figures between runs, without keeping every
 * run's full dump. The newest full run's figures are results/latest.json.
 */
import { appendFile, readFile } from 'node:fs/promises'
import { entry, evaluateTargets, generatorMaxPct } from './targets.js'
import { CLIENT_BOUND_PCT } from './measure.js'
import type { Result } from './types.js'

export const HISTORY_FILE = 'history.jsonl'
export const LATEST_FILE = 'latest.json'

export interface HistoryRow {
  startedAt: string
  commit: string | null
  elapsedS: number
  /** Target id -> its figure (and the second figure of two-figure targets, as id + '/2'). */
  figures: Record<string, number | null>
  met: Record<string, boolean | null>
  /** Lag p99 with no background load; and at half load, the lag figure of runs before 2026-12-01. */
  lagIdleP99Ms: number | null
  lagHalfP99Ms: number | null
  loadAvg: number[]
  stealPct: number | null
  /** The highest load-generator CPU of any run, percent of its core, and how many cells were above the limit. */
  generatorCpuMaxPct: number | null
  clientBoundCells: number
}

/** The history row of a full run (also of the older dumps, whose missing figures are null). */
export function historyRow(result: Result): HistoryRow {
  const targets = evaluateTargets(result)
  const figures: Record<string, number | null> = {}
  const met: Record<string, boolean | null> = {}
  for (const t of targets) {
    figures[t.id] = t.value
    if (t.value2 !== undefined) figures[`${t.id}/2`] = t.value2
    met[t.id] = t.met
  }
  const lagP99 = (id: string): number | null => (entry(result, id)?.lagMs as { all: { p99: number } } | undefined)?.all.p99 ?? null
  const generators = result.entries.map(generatorMaxPct).filter((x): x is number => typeof x === 'number' && Number.isFinite(x))
  return {
    startedAt: result.startedAt,
    commit: result.versions.gitRev ?? null,
    elapsedS: result.elapsedS,
    figures,
    met,
    lagIdleP99Ms: lagP99('cluster-lag/idle/swarmkv-cluster'),
    lagHalfP99Ms: lagP99('cluster-lag/half/swarmkv-cluster'),
    loadAvg: result.machine.loadAvg,
    stealPct: result.machine.stealPct ?? null,
    generatorCpuMaxPct: generators.length === 0 ? null : Math.max(...generators),
    clientBoundCells: result.entries.filter((e) => e.status === 'ok' && (generatorMaxPct(e) ?? 0) > CLIENT_BOUND_PCT).length
  }
}

export async function readHistory(file: string): Promise<HistoryRow[]> {
  let text: string
  try {
    text = await readFile(file, 'utf8')
  } catch {
    return []
  }
  return text.split('\n').filter((l) => l.trim() !== '').map((l) => JSON.parse(l) as HistoryRow)
}

export async function appendHistory(file: string, row: HistoryRow): Promise<void> {
  await appendFile(file, `${JSON.stringify(row)}\n`)
}
