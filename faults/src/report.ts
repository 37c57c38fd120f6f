import { mkdir, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import type { CaseReport } from './case.js'
import { CONVERGE_BOUND_MS } from './case.js'
import { NEMESES } from './nemeses.js'

export interface SuiteMeta {
  readonly commit: string
  readonly startedAt: string
  readonly seeds: number
  readonly wanLatency: string
  readonly durationMs: number
}

function cell(c: CaseReport['checks'][number]): string {
  if (!c.ok) return `**FAIL** (${c.problemCount})`
  return `ok ${c.checked}${c.indeterminate > 0 ? ` (+${c.indeterminate} ?)` : ''}`
}

/** Writes results.json and RESULTS.md (one row per nemesis and seed) into `dir`. */
export async function writeReport(dir: string, meta: SuiteMeta, cases: readonly CaseReport[]): Promise<void> {
  await mkdir(dir, { recursive: true })
  await writeFile(join(dir, 'results.json'), JSON.stringify({ ...meta, convergeBoundMs: CONVERGE_BOUND_MS, cases }, null, 2) + '\n')
  // Every checker any case ran, in order (a nemesis may add one of its own).
  const checkers = [...new Set(cases.flatMap((c) => c.checks.map((k) => k.checker)))]
  const cellOf = (c: CaseReport, name: string) => {
    const k = c.checks.find((x) => x.checker === name)
    return k === undefined ? '' : cell(k)
  }
  const lines = [
    '# Fault suite results',
    '',
    `Run of \`pnpm test:faults\` on ${meta.commit} at ${meta.startedAt}: ${cases.length} cases (${meta.seeds} seeds per nemesis) in ${Math.round(meta.durationMs / 1000)} s,`,
    `on the two-region network-namespace topology (5 nodes + DHT), WAN latency: ${meta.wanLatency}. Convergence bound: ${CONVERGE_BOUND_MS / 1000} s, measured from the moment the fault is healed and the writes have stopped.`,
    'How to read it and how the suite works: [docs/FAULTS.md](../../docs/FAULTS.md).',
    '',
    'Operations are the clients\' calls (reads included): ok, fail (the node said it did nothing), unknown (no answer: may or may not have happened).',
    'A checker cell says how many cases it judged; `(+n ?)` counts cases a write of unknown outcome could explain; **FAIL** (n): n problems, the first 10 listed below and in results.json.',
    '',
    `| nemesis | seed | invoked | ok | fail | unknown | converged after | ${checkers.join(' | ')} |`,
    `| --- | --- | --- | --- | --- | --- | --- | ${checkers.map(() => '---').join(' | ')} |`,
    ...cases.map((c) => `| ${c.nemesis} | ${c.seed} | ${c.ops.invoked} | ${c.ops.ok} | ${c.ops.fail} | ${c.ops.unknown} | ${c.convergedAfterMs === undefined ? 'never' : `${(c.convergedAfterMs / 1000).toFixed(1)} s`} | ${checkers.map((name) => cellOf(c, name)).join(' | ')} |`),
    '',
    '## Faults injected',
    '',
    ...NEMESES.filter((n) => cases.some((c) => c.nemesis === n.name)).flatMap((n) => [
      `- **${n.name}**: ${n.description}.`,
      ...cases.filter((c) => c.nemesis === n.name).map((c) => `  - seed ${c.seed}: ${c.faults.join('; ')}; then ${c.compactionRounds} round(s) of compaction until the digests agreed`)
    ]),
    ''
  ]
  const failed = cases.filter((c) => c.checks.some((k) => !k.ok))
  if (failed.length > 0) {
    lines.push('## Problems', '')
    for (const c of failed) for (const k of c.checks.filter((x) => !x.ok)) for (const p of k.problems) lines.push(`- ${c.nemesis} seed ${c.seed}, ${k.checker}: ${p}`)
    lines.push('')
  }
  await writeFile(join(dir, 'RESULTS.md'), lines.join('\n'))
}
