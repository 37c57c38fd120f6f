/**
 * RESULTS.md: the figures of one run as tables a person reads at a glance, the targets with the
 * measured ratios, the history of full runs, what was skipped and why, and links to the charts.
 */
import { writeFile } from 'node:fs/promises'
import { entry, OTHER_LOAD_LIMIT_PCT } from './lib/targets.js'
import { ratio } from './lib/stats.js'
import { CLIENT_BOUND_PCT } from './lib/measure.js'
import { PACED_CPU_LIMIT_PCT } from './scenarios/cluster.js'
import { RSS_BUDGET_MIB, RSS_FLAT_TOLERANCE, type RssVerdict } from './scenarios/growth.js'
import type { HistoryRow } from './lib/history.js'
import type { Chart } from './charts.js'
import type { Entry, GrowthWindow, LagFigures, Result, Summary, Target } from './lib/types.js'

const fin = (x: unknown): x is number => typeof x === 'number' && Number.isFinite(x)
const fmt = (x: unknown, digits = 0): string => (fin(x) ? x.toLocaleString('en', { maximumFractionDigits: digits, minimumFractionDigits: digits }) : 'n/a')
const ms = (x: unknown): string => (fin(x) ? (x < 10 ? fmt(x, 2) : fmt(x, 1)) : 'n/a')
const times = (r: number | null | undefined): string => (fin(r) ? `${fmt(r, 2)}x` : 'n/a')
const pct = (x: unknown): string => (fin(x) ? `${fmt(x)} %` : '-')

function table(head: string[], rows: string[][]): string {
  const align = head.map((h) => (/^(Scenario|System|Target|Load|Goal|Met|Figure|Workload|Run|Code|Note|Generator)/.test(h) ? '---' : '---:'))
  return [`| ${head.join(' | ')} |`, `| ${align.join(' | ')} |`, ...rows.map((r) => `| ${r.join(' | ')} |`)].join('\n')
}

/** The load generator's CPU with the tool, flagged when it bounded the figure. */
function generator(e: Entry): string {
  const cpu = (e.clientCpuMaxPct as number | undefined) ?? e.clientCpuPct
  if (!fin(cpu)) return e.tool ?? '-'
  const flag = cpu > CLIENT_BOUND_PCT ? ' **client-bound**' : ''
  return `${e.tool ?? 'autocannon'} ${fmt(cpu)} %${flag}`
}

/** A latency cell: the figure, or "not measured" where the tool could not time requests (never a 0 it made up). */
const latencyCells = (e: Entry): string[] => {
  const lat = e.latencyMs
  return e.latencyNotMeasured !== undefined ? ['not measured', 'not measured', 'not measured'] : [ms(lat?.p50), ms(lat?.p90), ms(lat?.p99)]
}

function loadRow(e: Entry, vs?: Entry): string[] {
  const p = e.settings?.pipelining ?? 1
  return [
    (e.title ?? e.id) + (p > 1 ? ` (pipelining ${p})` : ''),
    e.system ?? '',
    fmt(e.reqPerSec),
    ...latencyCells(e),
    fmt((e.errors ?? 0) + (e.non2xx ?? 0)),
    pct(e.serverCpuPct),
    fin(e.serverUsPerReq) ? fmt(e.serverUsPerReq) : '-',
    `${fmt(e.serverRssMiB)} MiB`,
    generator(e),
    pct(e.serverCoreOtherPct),
    vs === undefined ? '' : times(ratio(e.reqPerSec, vs.reqPerSec))
  ]
}

const LOAD_HEAD = ['Scenario', 'System', 'req/s', 'p50 ms', 'p90 ms', 'p99 ms', 'errors', 'server CPU', 'server CPU µs/req', 'server RSS', 'Generator CPU (max of runs)', 'other load on server core', 'swarmkv / baseline']
const BASE_HEAD = LOAD_HEAD.slice(0, 12)

function singleSection(result: Result): string[] {
  const ok = result.entries.filter((e) => e.group === 'single' && e.status === 'ok')
  if (ok.length === 0) return []
  const rows: string[][] = []
  const order = ['single-put-100b', 'single-put-1k', 'single-get', 'single-mix']
  for (const p of result.settings.pipelinings) {
    for (const s of order) {
      const sw = entry(result, `${s}/p${p}/swarmkv`)
      const base = entry(result, `${s}/p${p}/fastify-map`)
      const alike = entry(result, `${s}/p${p}/fastify-map-turn-end`)
      if (sw !== undefined) rows.push(loadRow(sw, base))
      if (base !== undefined) rows.push(loadRow(base))
      if (alike !== undefined) rows.push(loadRow(alike))
    }
  }
  const tools = [...new Set(ok.map((e) => e.tool))].join(', ')
  const notMeasured = [...new Set(ok.flatMap((e) => (e.latencyNotMeasured !== undefined ? [e.latencyNotMeasured] : [])))]
  return [
    '## Single node, durable (fsync batch) vs the bare Fastify + Map ceiling',
    '',
    `${result.settings.connections} connections, random keys from ${fmt(result.settings.keySpace)} (prefilled with 100 B values), ` +
      `${result.settings.repeats} x ${result.settings.durationS} s runs per cell after a ${result.settings.warmupS} s warmup, runs of the two servers alternating; median run shown. ` +
      `Load generator: ${tools}. ` +
      'The baseline is Fastify 5 with the same routes and body handling, a Map instead of merge + LevelDB, in its own process like a swarmkv node. ' +
      'It writes each answer as it reads its request; swarmkv\'s GET answers at the end of the event loop\'s turn, all the turn\'s answers together (DESIGN §8), ' +
      'so the GET cell also runs `fastify-map-turn-end`, the bare route answering the same way: the like-for-like ceiling for reads (the GET target\'s note gives the ratio to it).',
    '',
    table(LOAD_HEAD, rows),
    '',
    ...notMeasured.map((why) => `Latency ${why}.`),
    ...(notMeasured.length > 0 ? [''] : [])
  ]
}

function peerSection(result: Result): string[] {
  const lines = ['## Peer baselines (same machine, same pinning)', '']
  const rows: string[][] = []
  const put = entry(result, 'single-put-100b/p1/swarmkv')
  for (const e of result.entries.filter((x) => x.group === 'peer' && x.status === 'ok' && x.reqPerSec !== undefined)) {
    const row = loadRow(e)
    row[12] = put === undefined ? '' : `${times(ratio(put.reqPerSec, e.reqPerSec))} (swarmkv PUT 100 B p1)`
    rows.push(row)
  }
  if (rows.length > 0) {
    lines.push(table([...BASE_HEAD, 'swarmkv / peer'], rows), '')
    lines.push('Redis runs as a primary with one replica (AOF on; both `appendfsync everysec`, its usual setting, and `always`), loaded by `redis-benchmark` (its own C client). ' +
      'etcd is written through its HTTP JSON gateway (`POST /v3/kv/put`, base64 key and value) by autocannon. Server CPU is the primary\'s; the replica\'s is in the JSON.', '')
  }
  for (const e of result.entries.filter((x) => x.group === 'peer' && x.status !== 'ok')) lines.push(`- **${e.id} ${e.status}**: ${e.reason ?? ''}`)
  return rows.length === 0 && lines.length === 2 ? [] : [...lines, '']
}

function lagLabel(e: Entry): string {
  if (e.system === 'redis') return 'Redis replica'
  if (e.load === 'idle') return 'swarmkv, no background load'
  if (e.load === 'paced') return `swarmkv, paced load (core < ${PACED_CPU_LIMIT_PCT} %)`
  return `swarmkv, ${e.load ?? ''} load`
}

function clusterSection(result: Result): string[] {
  const put = entry(result, 'cluster-put/max/swarmkv-cluster')
  const lags = result.entries.filter((e) => e.lagMs !== undefined && e.status === 'ok')
  if (put === undefined && lags.length === 0) return []
  const lines = ['## Cluster: 2 masters + 1 replica, PUT load on both masters', '']
  if (put !== undefined) {
    const single = entry(result, 'single-put-100b/p1/swarmkv')
    lines.push(table([...BASE_HEAD, 'cluster / single node'], [loadRow(put, single)]), '')
    lines.push(`All three nodes share the server core: every write is applied three times (once per node) on that one core, so the cluster total is bounded by a third of the core's write capacity, not by the network. ` +
      'Server CPU and RSS are summed over the three nodes. ' +
      (fin(put.replicatedPerSec)
        ? `Of the ${fmt(put.reqPerSec)} writes/s the masters acknowledged, every node applied ${fmt(put.replicatedPerSec)}/s within the same window (the slowest node's count from /metrics): the cluster's replicated maximum. Above it the replicas fall behind; after the closed-loop runs the cluster converged in ${fmt(put.drainedAfterMs)} ms. `
        : '') +
      `The cluster held identical digests ${fmt(put.convergedAfterMs)} ms after the last load stopped.`, '')
  }
  if (lags.length > 0) {
    const rows = lags.map((e) => {
      const lag = e.lagMs as LagFigures
      const rtt = e.readRoundTripMs as Summary | undefined
      const loop = e.eventLoopDelayMs as Record<string, { p99: number; max: number }> | undefined
      return [
        lagLabel(e),
        e.system === 'redis' ? 'redis-benchmark, max' : e.load === 'idle' ? 'none (probe only)' : `${fmt(e.backgroundReqPerSec)}${e.load === 'max' ? ' (closed loop)' : ' (paced)'}`,
        e.system === 'redis' ? '-' : `${pct(e.serverCpuPct)}${fin(e.serverCoreOtherPct) ? ` (+ ${pct(e.serverCoreOtherPct)} other)` : ''}`,
        generator(e),
        ms(lag.all.p50), ms(lag.all.p90), ms(lag.all.p99), ms(lag.all.max),
        lag.rttCorrected === undefined ? '-' : `${ms(lag.rttCorrected.p50)} / ${ms(lag.rttCorrected.p99)}`,
        rtt === undefined ? '-' : `${ms(rtt.p50)} / ${ms(rtt.p99)}`,
        Object.entries(lag.byTarget).map(([k, v]) => `${k} ${ms(v.p99)}`).join(', '),
        loop === undefined ? '-' : Object.entries(loop).map(([k, v]) => `${k} ${ms(v.p99)} / ${ms(v.max)}`).join(', '),
        fmt(lag.all.n)
      ]
    })
    const paced = entry(result, 'cluster-lag/paced/swarmkv-cluster')
    const attempts = (paced?.attempts as Array<{ rate: number; serverCpuPct: number }> | undefined) ?? []
    lines.push('### Replication visibility lag', '')
    lines.push(table(['Load', 'background req/s', 'server core busy (3 nodes)', 'Generator CPU', 'p50 ms', 'p90 ms', 'p99 ms', 'max ms', 'minus read RTT p50 / p99', 'read RTT p50 / p99', 'p99 by reading node', 'event-loop delay p99 / max ms', 'samples'], rows), '')
    lines.push('Lag is the time from a write\'s acknowledgement on one master to its visibility on each other node. swarmkv: a probe writes ' +
      `${result.settings.lagProbeRate} keys/s alternately on both masters while a background PUT load runs on both masters, ` +
      `and right after each ack sends \`GET /kv/<key>?wait=5000\` with \`X-After: <token>\` to the other nodes, which answer once they applied it. ` +
      `Three loads: none; a paced one (open loop, one request every 1/rate s) whose rate is chosen from the replicated maximum so the three nodes keep their shared core under ${PACED_CPU_LIMIT_PCT} % busy during the probe` +
      (attempts.length > 0 ? ` (rates tried: ${attempts.map((a) => `${fmt(a.rate)} req/s -> ${fmt(a.serverCpuPct)} %`).join(', ')})` : '') +
      '; and the maximum (autocannon closed loop). ' +
      '"Server core busy" is the CPU of the three nodes over the probe\'s window, percent of the one core they share. ' +
      'The generator CPU is the background load\'s process plus the probe (in the runner), both on the load core. ' +
      'The raw figure includes the read\'s response; the same read sent to the writer (already applied) gives the read round trip, subtracted in the "minus read RTT" column (a lower bound). ' +
      'The event-loop delay is each node\'s own (`swarmkv_event_loop_delay_seconds`, its last 10 s window inside the probe). ' +
      'Redis: keyspace notifications on the replica, while redis-benchmark saturates the primary; visible-before-ack counts as 0.', '')
  }
  return lines
}

function documentsSection(result: Result): string[] {
  const docs = result.entries.filter((e) => e.group === 'documents')
  if (docs.length === 0) return []
  const lines = ['## Documents', '']
  for (const e of docs) {
    if (e.status === 'ok') lines.push(table(BASE_HEAD, [loadRow(e).slice(0, 12)]), '')
    else lines.push(`- **${e.id} ${e.status}**: ${e.reason ?? ''}`, '')
  }
  return lines
}

function growthSection(result: Result): string[] {
  const g = result.entries.find((e) => e.group === 'growth')
  if (g === undefined) return []
  if (g.status !== 'ok') return ['## Growth', '', `- **${g.id} ${g.status}**: ${g.reason ?? ''}`, '']
  const w = g.windows as GrowthWindow[]
  const decay = g.decay as { lastToFirst: number | null; decayed: boolean; threshold: number }
  const rss = g.rss as RssVerdict | undefined
  const keySpace = g.settings?.keySpace ?? 0
  const requests = g.requests ?? 0
  const rows = w.map((x) => [fmt(x.tS, 1), fmt(x.ops), fmt(x.reqPerSec), fmt(x.rssMiB, 1), fmt(x.dataDirMiB, 1), pct(x.serverCoreOtherPct)])
  return [
    `## Growth: ${fmt(requests)} PUTs over ${fmt(keySpace)} keys`,
    '',
    `Overall ${fmt(g.reqPerSec)} req/s (p50 ${ms(g.latencyMs?.p50)} ms, p99 ${ms(g.latencyMs?.p99)} ms, ${fmt((g.errors ?? 0) + (g.non2xx ?? 0))} errors; generator ${generator(g)}), data dir ${fmt(g.finalDataDirMiB, 1)} MiB at the end. ` +
      (rss === undefined ? '' : `Resident memory: peak **${fmt(rss.peakMiB)} MiB**, last window **${fmt(rss.lastMiB)} MiB** (budget ${RSS_BUDGET_MIB} MiB: ${rss.underBudget ? 'under' : '**OVER**'}); ` +
        `flat is judged as the last window within ±${RSS_FLAT_TOLERANCE * 100} % of the median of the second half of the windows (${fmt(rss.secondHalfMedianMiB)} MiB): ${times(rss.lastToMedian)}, ${rss.flat ? 'flat' : '**not flat**'}. `) +
      `Throughput of the last windows / the first: **${times(decay.lastToFirst)}** (${decay.decayed ? 'DECAYED' : 'no decay'}; threshold ${decay.threshold}x). ` +
      `The node runs standalone (no --secret): the live data is about ${fmt((keySpace * (1 - Math.exp(-requests / Math.max(1, keySpace))) * ((g.settings?.valueBytes ?? 100) + 8)) / 2 ** 20, 1)} MiB of keys and values; the data dir also holds the replication log (every write since the last compaction; the node compacts it every 60 s) and LevelDB files not yet compacted.`,
    '',
    table(['Window end s', 'ops done', 'req/s in window', 'RSS MiB', 'data dir MiB', 'other load on server core'], rows),
    ''
  ]
}

function targetValue(t: Target | undefined, v = t?.value, v2 = t?.value2): string {
  if (t === undefined || !fin(v)) return 'n/a'
  const one = (x: number): string => (t.unit === 'x' ? times(x) : t.unit === 'ms' ? `${ms(x)} ms` : `${fmt(x)} MiB`)
  return fin(v2) ? `${one(v)} / ${one(v2)}` : one(v)
}

function targetsSection(result: Result): string[] {
  const rows = result.targets.map((t) => [t.name, targetValue(t), t.goal, t.met === null ? (t.value === null ? 'not measured' : 'not valid') : t.met ? '**met**' : '**missed**', t.note ?? ''])
  return [
    '## Targets (issue 16)', '',
    'Measured side by side in this one run: each ratio divides two medians of the same run, whose cells alternated between the two servers.', '',
    table(['Target', 'Measured', 'Goal', 'Met', 'Note'], rows), '',
    'Where a durable PUT\'s time goes, with flame graphs and the CPU and context switches one request costs saturated and at steady moderate rates, ' +
      'beside the Fastify Map route: [profiles/PROFILE.md](profiles/PROFILE.md) (`pnpm bench:profile`, a separate run).',
    ''
  ]
}

/** The target figures of every full run (results/history.jsonl): the spread a shared machine gives. */
function historySection(history: HistoryRow[]): string[] {
  if (history.length === 0) return []
  const f = (h: HistoryRow, id: string, unit: Target['unit']): string => {
    const v = h.figures[id]
    if (!fin(v)) return 'n/a'
    const v2 = h.figures[`${id}/2`]
    return targetValue({ id, name: '', value: v, unit, goal: '', met: null }, v, fin(v2) ? v2 : undefined)
  }
  const rows = history.map((h) => [
    h.startedAt.replace('T', ' ').slice(0, 16),
    h.commit ?? 'n/a',
    f(h, 'put-100b-vs-map', 'x'), f(h, 'put-1k-vs-map', 'x'), f(h, 'get-vs-map', 'x'),
    f(h, 'growth-rss', 'MiB'), f(h, 'lag-paced', 'ms'),
    fin(h.lagHalfP99Ms) ? `${ms(h.lagHalfP99Ms)} ms` : 'n/a',
    fin(h.lagIdleP99Ms) ? `${ms(h.lagIdleP99Ms)} ms` : 'n/a',
    f(h, 'put-vs-etcd', 'x'), f(h, 'growth-no-decay', 'x'),
    h.loadAvg.join(' / '),
    fin(h.stealPct) ? `${h.stealPct} %` : 'n/a',
    fin(h.generatorCpuMaxPct) ? `${fmt(h.generatorCpuMaxPct)} %${h.clientBoundCells > 0 ? ` (${h.clientBoundCells} cells > ${CLIENT_BOUND_PCT} %)` : ''}` : 'n/a'
  ])
  return [
    '## Every full run',
    '',
    'One row per full run ([results/history.jsonl](results/history.jsonl), newest last; the newest run\'s full figures are [results/latest.json](results/latest.json)). ' +
      'Runs before 2026-12-01 measured with autocannon alone, whose own core saturated at 21-30k req/s: their ratios to the bare route are bounded by the client (see the generator column), ' +
      'and they measured the lag at "half load" (half the replicated maximum, paced), which kept the core about 99 % busy, not at a load under 60 %. ' +
      'Runs before 12:45 on 2026-11-26 did not record the CPU time the hypervisor stole; the 12:29 run was taken while about 15 % was.',
    '',
    table(['Run (UTC)', 'Code (git)', 'PUT 100 B / map', 'PUT 1 KiB / map', 'GET / map', 'growth RSS peak / last', 'lag p50 / p99, core < 60 %', 'lag p99, half load', 'lag p99, no load', 'PUT / etcd', 'growth last / first', 'load avg at start', 'CPU stolen', 'Generator CPU max'], rows),
    ''
  ]
}

export function renderReport(result: Result, charts: Chart[], history: HistoryRow[] = []): string {
  const v = result.versions
  const m = result.machine
  const skippedLines = result.entries.filter((e) => e.status !== 'ok').map((e) => `- ${e.id}: **${e.status}**: ${e.reason ?? ''}`)
  const figures = result.mode === 'full' ? 'results/latest.json' : 'quick.json'
  return [
    '# swarmkv write-load benchmarks',
    '',
    `Generated by \`${result.command}\` (${result.mode} mode) on ${result.startedAt.replace('T', ' ').slice(0, 19)} UTC in ${fmt(result.elapsedS)} s. Figures: [${figures}](${figures}).`,
    '',
    `Machine: ${m.cpuModel}, ${m.cores} cores, ${m.memGiB} GiB, ${m.kernel}; load average (1/5/15 min) ${m.loadAvg.join(' / ')} at the start, ${(m.loadAvgEnd ?? []).join(' / ')} at the end${fin(m.stealPct) ? `, ${m.stealPct} % of all CPU time stolen by the hypervisor during the run` : ''}${m.fsyncMs === undefined ? '' : `; the disk's fdatasync of a 4 KiB append took p50 ${m.fsyncMs.start.p50} / p99 ${m.fsyncMs.start.p99} ms at the start and p50 ${m.fsyncMs.end.p50} / p99 ${m.fsyncMs.end.p99} ms at the end (every durable write waits for one)`} (a shared machine: other work ran alongside, so compare ratios from the same run rather than absolute figures). ` +
      `Node ${v.node ?? '?'}, swarmkv ${v.swarmkv ?? '?'}${v.gitRev ? ` (${v.gitRev})` : ''}, Fastify ${v.fastify ?? '?'}, ${'wrk' in v ? v.wrk ?? 'wrk not installed' : 'no wrk (autocannon only)'}, autocannon ${v.autocannon ?? '?'}, ${v.redis ?? 'Redis not installed'}, ${v.etcd ?? 'etcd not installed'}.`,
    '',
    `CPU pinning: ${result.pinning.note}. Server CPU is percent of one core over the run (100 % = one core busy); "server CPU µs/req" is that CPU divided by the requests served, the figure that stays comparable when the machine is shared.`,
    '',
    ...targetsSection(result),
    ...historySection(history),
    ...(charts.length > 0 ? ['## Charts', '', ...charts.map((c) => `![${c.title}](${c.file})`), ''] : []),
    ...singleSection(result),
    ...peerSection(result),
    ...clusterSection(result),
    ...documentsSection(result),
    ...growthSection(result),
    ...(skippedLines.length > 0 ? ['## Skipped or failed', '', ...skippedLines, ''] : []),
    '## How to run',
    '',
    '```sh',
    'sudo benchmarks/install-peers.sh   # once: wrk, Redis 7 and etcd 3.4 from Debian (optional; missing peers are skipped)',
    'pnpm bench:quick                   # smoke run, under 3 minutes: writes benchmarks/quick-run/ only',
    'pnpm bench                         # full run (about 20 minutes): RESULTS.md, results/latest.json, a row in results/history.jsonl, charts/',
    'pnpm bench --only single-put,peer-etcd --duration 5   # a subset; see --help',
    'pnpm bench:profile                 # about 2 minutes: CPU profiles and flame graphs of a PUT, swarmkv beside the baseline: profiles/',
    '```',
    '',
    'Method: the servers run on core 0 and every load generator on core 1 (taskset), so the server\'s CPU (sampled from /proc) is its own. ' +
      'The single-node cells are driven by wrk (C, one thread, `benchmarks/wrk/kv.lua` draws the requests), which drove the bare route to about 50k req/s on one core here; ' +
      'without wrk they fall back to autocannon spread over several processes, and the generator column says which ran. ' +
      'The swarmkv-native scenarios (cluster, documents, growth, etcd) keep autocannon, and the lag runs the paced Node client. ' +
      `The generator column is the load generator's own CPU (utime+stime of its process over the run, the highest of the cell's runs; wrk's read exactly from its reaped children's times): above ${CLIENT_BOUND_PCT} % of its core the figure is bounded by the client, not the server, is flagged **client-bound**, and such a cell does not count as a baseline for a target. ` +
      `"Other load on server core" is the busy time of the server's core not spent by the server: other processes of this shared machine; above ${OTHER_LOAD_LIMIT_PCT} % a cell does not count for a target either, and the target's note gives the ratio per server CPU (µs per request), which stays comparable on a shared core. ` +
      'Every cell is the median of repeated runs. Where one figure sums two generator instances (the cluster, one per master), ' +
      'p50/p90 are request-weighted means of the instances\' percentiles and p99 is the larger of the two.',
    ''
  ].join('\n')
}

export async function writeReport(result: Result, path: string, charts: Chart[], history: HistoryRow[] = []): Promise<void> {
  await writeFile(path, renderReport(result, charts, history))
}
