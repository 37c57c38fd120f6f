import {
  History, RecordingClient, checkCausality, checkConvergence, checkLostWrites, checkNoResurrection, checkQuorum, checkReadYourWrites,
  checkSiblings, quorumWritesOf, readKeyViews, readsOf, waitUntil, writesOf, type CheckResult, type DigestSample, type KeyView
} from '@swarmkv/testkit'
import { agree, compactUntilAgreed, digests } from './digests.js'
import type { Nemesis, NemesisContext } from './nemeses.js'
import { NODES, urlOf } from './topology.js'
import { runWorkload } from './workload.js'

/** The stated convergence bound: every node's digest equal within this long after the last fault ends. */
export const CONVERGE_BOUND_MS = 60_000
const SAMPLE_EVERY_MS = 250
/** Consecutive agreeing samples that count as converged. */
const STABLE_SAMPLES = 3
/** Problems kept per checker in the report. */
const MAX_PROBLEMS = 10

export interface CaseReport {
  readonly nemesis: string
  readonly seed: number
  readonly ops: ReturnType<History['counts']>
  readonly writes: { readonly committed: number; readonly unknown: number }
  readonly keys: number
  /** Fails and unknowns by error code (or HTTP status). */
  readonly errors: Readonly<Record<string, number>>
  readonly faults: readonly string[]
  readonly convergedAfterMs: number | undefined
  /** Rounds of compaction on every node, after the first read, until the digests agreed (see digests.ts). */
  readonly compactionRounds: number
  readonly checks: ReadonlyArray<CheckResult & { readonly problemCount: number }>
  readonly durationMs: number
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

/** Samples digests until they agree STABLE_SAMPLES times in a row, or the bound passes. */
async function awaitConvergence(boundMs: number): Promise<DigestSample[]> {
  const samples: DigestSample[] = []
  const deadline = Date.now() + boundMs + 5000
  let agreeing = 0
  while (Date.now() < deadline && agreeing < STABLE_SAMPLES) {
    const s = await digests()
    samples.push(s)
    if (process.env.FAULTS_DEBUG !== undefined && samples.length % 8 === 1) {
      const peers = await Promise.all(NODES.map(async (n) => {
        try {
          const v = await (await fetch(`${urlOf(n)}/cluster`, { signal: AbortSignal.timeout(2000) })).json() as { peers: Array<{ connected: boolean; lagOps: number | null; httpUrl: string }> }
          return `${n}[${v.peers.map((p) => `${p.httpUrl.slice(12, 17)}${p.connected ? '+' : '-'}${p.lagOps}`).join(' ')}]`
        } catch { return `${n}[?]` }
      }))
      process.stdout.write(`converging: ${[...s.digests].map(([n, d]) => `${n}=${d?.slice(0, 8) ?? '-'}`).join(' ')}\n  ${peers.join(' ')}\n`)
    }
    agreeing = agree(s) ? agreeing + 1 : 0
    await sleep(SAMPLE_EVERY_MS)
  }
  return samples
}

/** Every node ready and connected to the four others: each case starts from a healthy cluster. */
export async function awaitHealthy(): Promise<void> {
  await waitUntil('every node ready and in a full mesh', async () => {
    const views = await Promise.all(NODES.map(async (n) => {
      const res = await fetch(`${urlOf(n)}/cluster`, { signal: AbortSignal.timeout(2000) })
      return (await res.json()) as { peers: Array<{ connected: boolean }> }
    }))
    return views.every((v) => v.peers.filter((p) => p.connected).length === NODES.length - 1)
  }, 90_000, 250)
}

async function finalStates(keys: Iterable<string>): Promise<Map<string, Map<string, KeyView>>> {
  const list = [...keys]
  const views = await Promise.all(NODES.map(async (n) => [n, await readKeyViews(urlOf(n), list)] as const))
  return new Map(views)
}

function errorCounts(h: History): Record<string, number> {
  const out: Record<string, number> = {}
  for (const op of h.ops()) {
    const c = op.completion
    if (c === undefined || c.outcome === 'ok') continue
    const k = `${op.f} ${c.outcome} ${c.error ?? c.status ?? '?'}`
    out[k] = (out[k] ?? 0) + 1
  }
  return out
}

/** The first MAX_PROBLEMS problems, with how many there were in all. */
const trimmed = (r: CheckResult): CheckResult & { problemCount: number } => ({ ...r, problems: r.problems.slice(0, MAX_PROBLEMS), problemCount: r.problems.length })

/**
 * One nemesis, one seed: the workload runs with the fault injected and healed inside it; then
 * convergence is awaited and measured, every node's state of the case's keys is read, every node
 * compacts (tombstones are collected), the states are read again, and every checker judges.
 */
export async function runCase(nemesis: Nemesis, seed: number): Promise<CaseReport> {
  const started = Date.now()
  const ctx: NemesisContext = { seed, faults: [] }
  const history = new History()
  const client = new RecordingClient({ history, urls: new Map(NODES.map((n) => [n, urlOf(n)])) })
  await awaitHealthy()
  await nemesis.before?.(ctx)
  const t0 = Date.now()
  let healed = false
  let healedAt = t0
  const timeline = (async () => {
    await sleep(nemesis.faultAtMs)
    await nemesis.inject(ctx)
    await sleep(Math.max(0, nemesis.healAtMs - (Date.now() - t0)))
    await nemesis.heal(ctx)
    healed = true
    healedAt = Date.now()
  })()
  let work
  try {
    work = await runWorkload({ client, prefix: `${nemesis.name}/${seed}`, seed, until: () => Date.now() - t0 > nemesis.durationMs, masters: nemesis.masters })
    await timeline
  } finally {
    // A failure must not leave the fault in place for the next case.
    if (!healed) await timeline.catch(() => undefined).then(() => (healed ? undefined : nemesis.heal(ctx)))
  }
  await nemesis.after?.(ctx)
  client.close()
  // Digests can agree only once the writes have stopped: the time to converge is measured from
  // the later of the heal and the end of the workload (and of the nemesis' own `after`).
  const quietAt = Math.max(healedAt, Date.now())
  const samples = await awaitConvergence(CONVERGE_BOUND_MS)
  const convergence = checkConvergence(NODES, quietAt, samples, CONVERGE_BOUND_MS)
  const writes = writesOf(history.ops())
  const before = await finalStates(work.keys)
  const compactions = await compactUntilAgreed(CONVERGE_BOUND_MS)
  const after = await finalStates(work.keys)
  const checks: CheckResult[] = [
    convergence,
    checkLostWrites(writes, before),
    { ...checkLostWrites(writes, after), checker: 'no lost acknowledged write (after collection)' },
    checkNoResurrection(writes, before),
    { ...checkNoResurrection(writes, after), checker: 'no resurrection (after collection)' },
    checkSiblings(writes, after),
    checkCausality(writes, after),
    checkReadYourWrites(writes, readsOf(history.ops())),
    checkQuorum(NODES, quorumWritesOf(history.ops()), work.appliedSamples)
  ]
  const errors = errorCounts(history)
  if (nemesis.verify !== undefined) {
    const problems = nemesis.verify(errors)
    checks.push({ checker: `${nemesis.name} behaves as documented`, ok: problems.length === 0, checked: 1, indeterminate: 0, problems })
  }
  return {
    nemesis: nemesis.name,
    seed,
    ops: history.counts(),
    writes: { committed: writes.filter((w) => w.committed).length, unknown: writes.filter((w) => !w.committed).length },
    keys: work.keys.size,
    errors,
    faults: ctx.faults,
    compactionRounds: compactions,
    convergedAfterMs: convergence.convergedAfterMs,
    checks: checks.map(trimmed),
    durationMs: Date.now() - started
  }
}
