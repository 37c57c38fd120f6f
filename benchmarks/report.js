/**
 * RESULTS.md: the figures of one run as tables a person reads at a glance, the targets with the
 * measured ratios, what was skipped and why, and links to the charts.
 */
import { readdir, readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { entry } from './lib/targets.js'
import { ratio } from './lib/stats.js'

const fmt = (x, digits = 0) => (x === null || x === undefined || !Number.isFinite(x) ? 'n/a' : x.toLocaleString('en', { maximumFractionDigits: digits, minimumFractionDigits: digits }))
const ms = (x) => (x === null || x === undefined || !Number.isFinite(x) ? 'n/a' : x < 10 ? fmt(x, 2) : fmt(x, 1))
const times = (r) => (r === null ? 'n/a' : `${fmt(r, 2)}x`)

function table(head, rows) {
  return [`| ${head.join(' | ')} |`, `| ${head.map((h) => (/^(Scenario|System|Target|Load|Goal|Met|Figure|Workload|Run|Code)/.test(h) ? '---' : '---:')).join(' | ')} |`, ...rows.map((r) => `| ${r.join(' | ')} |`)].join('\n')
}

function loadRow(e, vs) {
  return [
    e.title + (e.settings?.pipelining > 1 ? ` (pipelining ${e.settings.pipelining})` : ''),
    e.system,
    fmt(e.reqPerSec),
    ms(e.latencyMs.p50), ms(e.latencyMs.p90), ms(e.latencyMs.p99),
    fmt(e.errors + (e.non2xx ?? 0)),
    fmt(e.serverCpuPct) + ' %',
    fmt(e.serverRssMiB) + ' MiB',
    e.clientCpuPct === undefined ? '-' : fmt(e.clientCpuPct) + ' %',
    e.serverCoreOtherPct === undefined || !Number.isFinite(e.serverCoreOtherPct) ? '-' : fmt(e.serverCoreOtherPct) + ' %',
    vs === undefined ? '' : times(ratio(e.reqPerSec, vs.reqPerSec))
  ]
}

const LOAD_HEAD = ['Scenario', 'System', 'req/s', 'p50 ms', 'p90 ms', 'p99 ms', 'errors', 'server CPU', 'server RSS', 'client CPU', 'other load on server core', 'swarmkv / baseline']

function singleSection(result) {
  const ok = result.entries.filter((e) => e.group === 'single' && e.status === 'ok')
  if (ok.length === 0) return []
  const rows = []
  const order = ['single-put-100b', 'single-put-1k', 'single-get', 'single-mix']
  for (const p of result.settings.pipelinings) {
    for (const s of order) {
      const sw = entry(result, `${s}/p${p}/swarmkv`)
      const base = entry(result, `${s}/p${p}/fastify-map`)
      if (sw !== undefined) rows.push(loadRow(sw, base))
      if (base !== undefined) rows.push(loadRow(base))
    }
  }
  return [
    '## Single node, durable (fsync batch) vs the bare Fastify + Map ceiling',
    '',
    `${result.settings.connections} connections, random keys from ${fmt(result.settings.keySpace)} (prefilled with 100 B values), ` +
      `${result.settings.repeats} x ${result.settings.durationS} s runs per cell after a ${result.settings.warmupS} s warmup, runs of the two servers alternating; median run shown. ` +
      'The baseline is Fastify 5 with the same routes and body handling, a Map instead of merge + LevelDB, in its own process like a swarmkv node.',
    '',
    table(LOAD_HEAD, rows),
    ''
  ]
}

function peerSection(result) {
  const lines = ['## Peer baselines (same machine, same pinning)', '']
  const rows = []
  const put = entry(result, 'single-put-100b/p1/swarmkv')
  for (const e of result.entries.filter((x) => x.group === 'peer' && x.status === 'ok' && x.reqPerSec !== undefined)) {
    const row = loadRow(e)
    row[11] = put === undefined ? '' : `${times(ratio(put.reqPerSec, e.reqPerSec))} (swarmkv PUT 100 B p1)`
    rows.push(row)
  }
  if (rows.length > 0) {
    lines.push(table([...LOAD_HEAD.slice(0, 11), 'swarmkv / peer'], rows), '')
    lines.push('Redis runs as a primary with one replica (AOF on; both `appendfsync everysec`, its usual setting, and `always`), loaded by `redis-benchmark` (its own C client, so the client side is cheaper than autocannon). ' +
      'etcd is written through its HTTP JSON gateway (`POST /v3/kv/put`, base64 key and value) by autocannon, like swarmkv. Server CPU is the primary\'s; the replica\'s is in the JSON.', '')
  }
  for (const e of result.entries.filter((x) => x.group === 'peer' && x.status !== 'ok')) lines.push(`- **${e.id} ${e.status}**: ${e.reason}`)
  return rows.length === 0 && lines.length === 2 ? [] : [...lines, '']
}

function clusterSection(result) {
  const put = entry(result, 'cluster-put/max/swarmkv-cluster')
  const lags = result.entries.filter((e) => e.lagMs !== undefined && e.status === 'ok')
  if (put === undefined && lags.length === 0) return []
  const lines = ['## Cluster: 2 masters + 1 replica, PUT load on both masters', '']
  if (put !== undefined) {
    const single = entry(result, 'single-put-100b/p1/swarmkv')
    lines.push(table([...LOAD_HEAD.slice(0, 11), 'cluster / single node'], [loadRow(put, single)]), '')
    lines.push(`All three nodes share the server core: every write is applied three times (once per node) on that one core, so the cluster total is bounded by a third of the core's write capacity, not by the network. ` +
      `Server CPU and RSS are summed over the three nodes. ` +
      (put.replicatedPerSec !== undefined
        ? `Of the ${fmt(put.reqPerSec)} writes/s the masters acknowledged, every node applied ${fmt(put.replicatedPerSec)}/s within the same window (the slowest node's count from /metrics): that is the cluster's replicated maximum, the rate the lag runs below take half of. Above it the replicas fall behind; after the closed-loop runs the cluster converged in ${fmt(put.drainedAfterMs)} ms. `
        : '') +
      `The cluster held identical digests ${fmt(put.convergedAfterMs)} ms after the last load stopped.`, '')
  }
  if (lags.length > 0) {
    const rows = lags.map((e) => [
      e.system === 'redis' ? 'Redis replica' : e.load === 'idle' ? 'swarmkv, no background load' : `swarmkv, ${e.load} load`,
      e.backgroundReqPerSec === undefined ? 'redis-benchmark, max' : e.load === 'idle' ? 'none (probe only)' : fmt(e.backgroundReqPerSec),
      e.system === 'redis' || e.serverCpuPct === undefined ? '-' : fmt(e.serverCpuPct) + ' %',
      ms(e.lagMs.all.p50), ms(e.lagMs.all.p90), ms(e.lagMs.all.p99), ms(e.lagMs.all.max),
      e.lagMs.rttCorrected === undefined ? '-' : `${ms(e.lagMs.rttCorrected.p50)} / ${ms(e.lagMs.rttCorrected.p99)}`,
      e.readRoundTripMs === undefined ? '-' : `${ms(e.readRoundTripMs.p50)} / ${ms(e.readRoundTripMs.p99)}`,
      Object.entries(e.lagMs.byTarget).map(([k, v]) => `${k} ${ms(v.p99)}`).join(', '),
      e.eventLoopDelayMs === undefined ? '-' : Object.entries(e.eventLoopDelayMs).map(([k, v]) => `${k} ${ms(v.p99)} / ${ms(v.max)}`).join(', '),
      fmt(e.lagMs.all.n)
    ])
    lines.push('### Replication visibility lag', '')
    lines.push(table(['Load', 'background req/s', 'server CPU (3 nodes, one core)', 'p50 ms', 'p90 ms', 'p99 ms', 'max ms', 'minus read RTT p50 / p99', 'read RTT p50 / p99', 'p99 by reading node', 'event-loop delay p99 / max ms', 'samples'], rows), '')
    lines.push('Lag is the time from a write\'s acknowledgement on one master to its visibility on each other node. swarmkv: a probe writes ' +
      `${result.settings.lagProbeRate} keys/s alternately on both masters while a background PUT load runs on both masters (idle: none; half: half the replicated maximum above, sent open-loop at that steady rate, one request every 1/rate s, by the load generator's own paced client, since autocannon's rate limit spends each connection's per-second quota back to back and then idles, i.e. the maximum rate for half of every second; max: autocannon closed loop), ` +
      'and right after each ack sends `GET /kv/<key>?wait=5000` with `X-After: <token>` to the other nodes, which answer once they applied it. ' +
      'The raw figure includes that read\'s response; the same read sent to the writer (already applied) gives the read round trip, subtracted in the "minus read RTT" column (a lower bound). ' +
      'The read round trip\'s own p99 is the noise floor of this machine at that load: a lag p99 near it is mostly scheduling, not replication. ' +
      'Server CPU is how busy the three nodes kept their one shared core during the run: a request paced at a steady rate costs several times its CPU under a closed loop on this machine (profiles/PROFILE.md), so half the closed-loop maximum, sent paced, keeps the core nearly as busy as the maximum. ' +
      'The event-loop delay is each node\'s own (`swarmkv_event_loop_delay_seconds` in /metrics, its last 10 s window inside the probe): how late that node ran what was due, which every request and replicated message waits behind. ' +
      'Redis: keyspace notifications on the replica, while redis-benchmark saturates the primary; visible-before-ack counts as 0.', '')
  }
  return lines
}

function documentsSection(result) {
  const docs = result.entries.filter((e) => e.group === 'documents')
  if (docs.length === 0) return []
  const lines = ['## Documents', '']
  for (const e of docs) {
    if (e.status === 'ok') lines.push(table([...LOAD_HEAD.slice(0, 11)], [loadRow(e).slice(0, 11)]), '')
    else lines.push(`- **${e.id} ${e.status}**: ${e.reason}`, '')
  }
  return lines
}

function growthSection(result) {
  const g = result.entries.find((e) => e.group === 'growth')
  if (g === undefined) return []
  if (g.status !== 'ok') return ['## Growth', '', `- **${g.id} ${g.status}**: ${g.reason}`, '']
  const w = g.windows
  const rows = w.map((x) => [fmt(x.tS, 1), fmt(x.ops), fmt(x.reqPerSec), fmt(x.rssMiB, 1), fmt(x.dataDirMiB, 1), Number.isFinite(x.serverCoreOtherPct) ? `${fmt(x.serverCoreOtherPct)} %` : '-'])
  return [
    `## Growth: ${fmt(g.requests)} PUTs over ${fmt(g.settings.keySpace)} keys`,
    '',
    `Overall ${fmt(g.reqPerSec)} req/s (p50 ${ms(g.latencyMs.p50)} ms, p99 ${ms(g.latencyMs.p99)} ms, ${fmt(g.errors + g.non2xx)} errors), peak RSS ${fmt(g.serverRssMiB)} MiB, data dir ${fmt(g.finalDataDirMiB, 1)} MiB at the end. ` +
      `Throughput of the last windows / the first: **${times(g.decay.lastToFirst)}** (${g.decay.decayed ? 'DECAYED' : 'no decay'}; threshold ${g.decay.threshold}x). ` +
      `The node runs standalone (no --secret): the live data is about ${fmt((g.settings.keySpace * (1 - Math.exp(-g.requests / g.settings.keySpace)) * (g.settings.valueBytes + 8)) / 2 ** 20, 1)} MiB of keys and values (the expected number of distinct keys written); the data dir also holds the replication log (every write since the last compaction; the node compacts it every 60 s, the drops in the data dir column) and LevelDB files not yet compacted.`,
    '',
    table(['Window end s', 'ops done', 'req/s in window', 'RSS MiB', 'data dir MiB', 'other load on server core'], rows),
    ''
  ]
}

const targetValue = (t) => (t === undefined || t.value === null ? 'n/a' : t.id.startsWith('lag') ? `${ms(t.value)} ms` : times(t.value))

function targetsSection(result) {
  const rows = result.targets.map((t) => [t.name, t.value === null ? 'not measured' : targetValue(t), t.goal, t.met === null ? 'not measured' : t.met ? '**met**' : '**missed**'])
  return [
    '## Targets', '', table(['Target', 'Measured', 'Goal', 'Met'], rows), '',
    'Where a durable PUT\'s time goes, with flame graphs and the CPU and context switches one request costs saturated and at steady moderate rates, ' +
      'beside the Fastify Map route: [profiles/PROFILE.md](profiles/PROFILE.md) (`pnpm bench:profile`, a separate run).',
    ''
  ]
}

/** The same targets in every full run kept in results/: the spread a shared machine gives. */
function historySection(history) {
  if (history.length < 2) return []
  const ids = ['put-vs-fastify-map', 'put-vs-etcd', 'lag-half-p99', 'growth-no-decay']
  const rows = history.map((h) => {
    const idle = h.entries.find((e) => e.id === 'cluster-lag/idle/swarmkv-cluster' && e.status === 'ok')
    return [
      h.file === undefined ? h.startedAt : `[${h.startedAt.replace('T', ' ').slice(0, 16)}](results/${h.file})`,
      ...ids.map((id) => targetValue(h.targets.find((t) => t.id === id))),
      idle === undefined ? 'n/a' : `${ms(idle.lagMs.all.p99)} ms`,
      h.machine.loadAvg.join(' / '),
      h.machine.stealPct === undefined || h.machine.stealPct === null ? 'n/a' : `${h.machine.stealPct} %`,
      h.versions.gitRev ?? 'n/a'
    ]
  })
  return [
    '## Every full run kept',
    '',
    'The same figures from each full run in results/ (newest last), each with the code of its commit, to show how much this shared machine moves them between runs. ' +
      'Runs before 12:45 on 2026-11-26 did not record the CPU time the hypervisor stole; the 12:29 run was taken while about 15 % was (read off /proc/stat during it), which halved its single-node figures.',
    '',
    table(['Run (UTC)', 'PUT / Fastify Map', 'PUT / etcd', 'lag p99, half load', 'growth last / first', 'lag p99, no load', 'load avg at start', 'CPU stolen by the hypervisor', 'Code (git)'], rows),
    ''
  ]
}

export function renderReport(result, charts, history = []) {
  const v = result.versions
  const m = result.machine
  const skippedLines = result.entries.filter((e) => e.status !== 'ok').map((e) => `- ${e.id}: **${e.status}**: ${e.reason}`)
  return [
    '# swarmkv write-load benchmarks',
    '',
    `Generated by \`${result.command}\` (${result.mode} mode) on ${result.startedAt.replace('T', ' ').slice(0, 19)} UTC in ${fmt(result.elapsedS)} s. Figures: [results/${result.mode}.json](results/${result.mode}.json).`,
    '',
    `Machine: ${m.cpuModel}, ${m.cores} cores, ${m.memGiB} GiB, ${m.kernel}; load average (1/5/15 min) ${m.loadAvg.join(' / ')} at the start, ${(m.loadAvgEnd ?? []).join(' / ')} at the end${m.stealPct === undefined || m.stealPct === null ? '' : `, ${m.stealPct} % of all CPU time stolen by the hypervisor during the run`}${m.fsyncMs === undefined ? '' : `; the disk's fdatasync of a 4 KiB append took p50 ${m.fsyncMs.start.p50} / p99 ${m.fsyncMs.start.p99} ms at the start and p50 ${m.fsyncMs.end.p50} / p99 ${m.fsyncMs.end.p99} ms at the end (every durable write waits for one)`} (a shared machine: other work ran alongside, so compare ratios from the same run rather than absolute figures). ` +
      `Node ${v.node}, swarmkv ${v.swarmkv}${v.gitRev ? ` (${v.gitRev})` : ''}, Fastify ${v.fastify}, autocannon ${v.autocannon}, ${v.redis ?? 'Redis not installed'}, ${v.etcd ?? 'etcd not installed'}.`,
    '',
    `CPU pinning: ${result.pinning.note}. Server CPU is percent of one core over the run (100 % = one core busy).`,
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
    'sudo benchmarks/install-peers.sh   # once: Redis 7 and etcd 3.4 from Debian (optional; missing peers are skipped)',
    'pnpm bench --quick                 # smoke run, under 3 minutes: writes benchmarks/quick-run/',
    'pnpm bench                         # full run (about 15-20 minutes): writes benchmarks/results/full.json, RESULTS.md, charts/',
    'pnpm bench --only single-put,peer-etcd --duration 5   # a subset; see --help',
    'pnpm bench:profile                 # about 2 minutes: CPU profiles and flame graphs of a PUT, swarmkv beside the baseline: profiles/',
    '```',
    '',
    'Method: autocannon 9 runs in its own process pinned to one core and the servers on the other (taskset), so the server\'s CPU (sampled from /proc) is its own. ' +
      'Client CPU is the load generator\'s: near 100 % means that figure is bounded by the client, not the server. ' +
      '"Other load on server core" is the busy time of the server\'s core not spent by the server: other processes of this shared machine; a run with much of it understates the server. ' +
      'Every cell is the median of repeated runs; autocannon\'s latencies have 1 ms resolution. Where one figure sums two autocannon instances (the cluster, one per master), ' +
      'p50/p90 are request-weighted means of the instances\' percentiles and p99 is the larger of the two.',
    ''
  ].join('\n')
}

/** Full runs kept as results/full-<start time>.json, oldest first. */
export async function readHistory(resultsDir) {
  let files = []
  try { files = (await readdir(resultsDir)).filter((f) => /^full-.+\.json$/.test(f)).sort() } catch { return [] }
  const out = []
  for (const file of files) out.push({ ...JSON.parse(await readFile(join(resultsDir, file), 'utf8')), file })
  return out
}

export async function writeReport(result, path, charts, history = []) {
  await writeFile(path, renderReport(result, charts, history))
}
