import { statfs } from 'node:fs/promises'
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client'
import { RequestDurations } from './request-durations.js'
import type { FastifyReply, FastifyRequest } from 'fastify'
import { realScheduler } from '@swarmkv/core'
import type { MembershipView, ServerDeps } from '../options.js'
import type { LoopDelayWindow } from '../loop-delay.js'
import { registerLoopSummary } from './loop-summary.js'
import { registerClusterSeries } from './cluster-series.js'

/** HTTP request durations, seconds: from 0.5 ms (a cached read) to 10 s (a long ?w= or X-After wait). */
const HTTP_BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10]
/** Commit and fsync durations, seconds: a synced LevelDB batch took 0.35 ms to tens of ms here (FIELD-NOTES). */
const COMMIT_BUCKETS = [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1]
/** Ops per commit: up to the engine's 1,024 requests or a replicated flush of 4,096 ops. */
const BATCH_BUCKETS = [1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024, 4096]
/** Live siblings per register read: 1 is the rule, more is a conflict. */
const SIBLING_BUCKETS = [0, 1, 2, 3, 4, 8, 16]

const UNLINTABLE_DEFAULTS = ['nodejs_active_handles_total', 'nodejs_active_requests_total', 'nodejs_active_resources_total']

export interface NodeMetricsOptions {
  readonly isOpen: () => boolean
  readonly loop: () => LoopDelayWindow
}

/**
 * A node's /metrics: its own prom-client registry (several apps run in one process in tests, so
 * nothing is registered globally). Engine and replication counters are read at scrape time;
 * HTTP, commit and read figures are observed as they happen. Every series: docs/OPERATIONS.md.
 */
export class NodeMetrics {
  readonly registry = new Registry()
  private readonly http: RequestDurations
  private readonly siblings: Histogram
  private readonly unsubscribe: () => void

  constructor(private readonly deps: ServerDeps, opts: NodeMetricsOptions) {
    const registers = [this.registry]
    collectDefaultMetrics({ register: this.registry })
    // Three defaults are gauges named like counters, which `promtool check metrics` refuses; their
    // per-type siblings (nodejs_active_handles{type} etc.) stay, and sum to the same figure.
    for (const name of UNLINTABLE_DEFAULTS) this.registry.removeSingleMetric(name)
    const { engine } = deps

    this.http = new RequestDurations('swarmkv_http_request_duration_seconds',
      'HTTP requests by route pattern, method and status, from arrival to the response sent.', HTTP_BUCKETS, this.registry)
    this.siblings = new Histogram({
      name: 'swarmkv_read_siblings', help: 'Live siblings per register read (GET/HEAD /kv): more than 1 is a conflict the reader was shown.',
      buckets: SIBLING_BUCKETS, registers
    })
    const commit = new Histogram({
      name: 'swarmkv_commit_duration_seconds', help: 'Commits, from the batch being opened (its first request merged) to the commit landing.',
      buckets: COMMIT_BUCKETS, registers
    })
    const fsync = new Histogram({
      name: 'swarmkv_fsync_duration_seconds', help: 'Synced store writes of a commit (its log append through O_DSYNC, plus the LevelDB batch of a commit with documents); none with --fsync off.',
      buckets: COMMIT_BUCKETS, registers
    })
    const batch = new Histogram({ name: 'swarmkv_commit_ops', help: 'Ops per commit (local and replicated): how well writes share a commit.', buckets: BATCH_BUCKETS, registers })
    this.unsubscribe = engine.onCommitTiming((t) => {
      commit.observe(t.commitMs / 1000)
      if (t.synced) fsync.observe(t.storeMs / 1000)
      batch.observe(t.ops)
    })

    const mirror = (name: string, help: string, read: () => number) => new Counter({
      name, help, registers, collect() { this.reset(); this.inc(read()) }
    })
    const gauge = (name: string, help: string, read: () => number) => new Gauge({
      name, help, registers, collect() { this.set(read()) }
    })
    const s = engine.stats
    mirror('swarmkv_commits_total', 'Store commits (each may carry many writes).', () => s.commits)
    mirror('swarmkv_local_ops_total', 'Writes originated on this node.', () => s.localOps)
    mirror('swarmkv_remote_ops_total', 'Replicated ops applied on this node.', () => s.remoteOps)
    mirror('swarmkv_duplicate_ops_total', 'Replicated ops received that were already applied.', () => s.duplicateOps)
    mirror('swarmkv_failed_commits_total', 'Store commits that failed (a full or failing disk shows here).', () => s.failedCommits)
    mirror('swarmkv_refused_clock_stamps_total', 'Remote HLC stamps more than --max-clock-drift ahead of local time, not adopted (clock-drift refusals).', () => engine.refusedStamps)
    gauge('swarmkv_seq', 'Highest seq this node has given its own writes.', () => engine.seq)
    gauge('swarmkv_tombstones_pending', 'Keys known to hold a tombstone sibling not yet collected (complete once a first collection has scanned the store).', () => engine.tombstonesPending)
    gauge('swarmkv_log_ops', 'Ops held in the replication log: applied above the compaction floor, all origins.', () => {
      let n = 0
      for (const [o, have] of Object.entries(engine.applied)) n += have - (engine.floor[o as keyof typeof engine.floor] ?? 0)
      return n
    })
    const logFiles = deps.logFiles
    if (logFiles !== undefined) {
      gauge('swarmkv_log_files', 'Files of the replication log on disk (db/oplog/, the one being appended to included); compaction deletes a file once nothing in it is needed.', () => logFiles().files)
      gauge('swarmkv_log_records', 'Records (one per origin run per commit) the log files hold and index.', () => logFiles().records)
      gauge('swarmkv_log_index_bytes', 'Bytes of memory the index of the log files takes, about (28 B a record).', () => logFiles().indexBytes)
    }
    // The write path's checkpoints (DESIGN §3b): how often, how long, and whether commits waited on them.
    const mem = () => engine.memory
    mirror('swarmkv_checkpoints_total', 'Background checkpoints landed (the key states committed to the log since the last one, written to LevelDB, then the marker).', () => mem().checkpoints)
    mirror('swarmkv_checkpoint_failures_total', 'Background checkpoints that failed: their states stay dirty, the log still holds their ops.', () => mem().failedCheckpoints)
    mirror('swarmkv_checkpoint_seconds_total', 'Time spent writing the background checkpoints that landed (divide by swarmkv_checkpoints_total for the mean).', () => mem().checkpointMs / 1000)
    mirror('swarmkv_checkpointed_states_total', 'Key states the background checkpoints that landed wrote to LevelDB.', () => mem().checkpointedStates)
    mirror('swarmkv_write_stalls_total', 'Times commits waited for the checkpoint in flight because the dirty states passed twice --dirty-bytes.', () => mem().writeStalls)
    mirror('swarmkv_write_stall_seconds_total', 'Time commits spent waiting for a checkpoint that way, in all.', () => mem().writeStallMs / 1000)
    gauge('swarmkv_checkpoint_pending_ops', 'Ops committed to the log since the last checkpoint began: what a crash now makes the next start replay (bounded by --checkpoint-ops).', () => mem().pendingOps)
    new Gauge({
      name: 'swarmkv_register_state_bytes', help: 'Memory the engine holds for register states, by map: dirty (committed, not checkpointed), flushing (being checkpointed), clean (the encoded cache: its ring, allocated at its budget, and its index).',
      labelNames: ['map'], registers,
      collect() {
        const m = mem()
        this.set({ map: 'dirty' }, m.dirtyBytes)
        this.set({ map: 'flushing' }, m.flushingBytes)
        this.set({ map: 'clean' }, m.cleanBytes)
      }
    })
    gauge('swarmkv_log_floor_ops', 'Ops dropped from the log by compaction so far (the floor), all origins.', () => Object.values(engine.floor).reduce((a, b) => a + b, 0))

    new Gauge({ name: 'swarmkv_build_info', help: 'This build: 1, labelled with its version.', labelNames: ['version'], registers }).set({ version: deps.version ?? '0.0.0' }, 1)
    gauge('swarmkv_ready', 'Whether the node is ready (store open and, when replicated, the swarm joined): what GET /ready says.', () =>
      opts.isOpen() && (deps.cluster === undefined || deps.cluster.joined()) ? 1 : 0)
    new Gauge({
      name: 'swarmkv_role', help: 'This node\'s role: 1 on the series of its current role.', labelNames: ['role'], registers,
      collect() { this.reset(); this.set({ role: deps.control.role }, 1) }
    })
    gauge('swarmkv_read_only', 'Whether this node refuses writes (--read-only, POST /admin/read-only).', () => deps.control.readOnly ? 1 : 0)
    new Counter({
      name: 'swarmkv_errors_total', help: 'Errors handled without failing a request (background work, log clears, discovery), by where; each one is also logged.',
      labelNames: ['where'], registers,
      collect() {
        this.reset()
        for (const [where, n] of deps.problems?.snapshot() ?? []) this.inc({ where }, n)
      }
    })
    if (deps.dataDir !== undefined) this.registerDisk(deps.dataDir)
    registerLoopSummary(this.registry, opts.loop)
    this.registerMembership(deps.membership, deps.cluster !== undefined)
    if (deps.cluster !== undefined) registerClusterSeries(this.registry, deps.cluster)
  }

  /** Records a finished request (an onResponse hook). */
  onResponse(req: FastifyRequest, reply: FastifyReply): void {
    const route = req.routeOptions.url ?? 'unmatched'
    this.http.observe(route, req.method, reply.statusCode, reply.elapsedTime / 1000)
    if ((req.method === 'GET' || req.method === 'HEAD') && route === '/kv/*') {
      const n = reply.getHeader('x-siblings')
      if (n !== undefined) this.siblings.observe(Number(n))
    }
  }

  metrics(): Promise<string> { return this.registry.metrics() }

  close(): void { this.unsubscribe() }

  /** Compaction counts on every node (a node alone compacts too); the member count where there are members. */
  private registerMembership(membership: MembershipView, replicated: boolean): void {
    const registers = [this.registry]
    const counter = (name: string, help: string, read: () => number) => new Counter({ name, help, registers, collect() { this.reset(); this.inc(read()) } })
    counter('swarmkv_tombstones_collected_total', 'Keys whose stable tombstones were collected.', () => membership.stats.tombstonesCollected)
    counter('swarmkv_compactions_total', 'Log compactions run.', () => membership.stats.compactions)
    if (!replicated) return
    new Gauge({ name: 'swarmkv_members', help: 'Known cluster members (every node that said hello and was not forgotten): the log is kept until all have applied it.', registers, collect() { this.set(membership.size) } })
  }

  private registerDisk(dir: string): void {
    const registers = [this.registry]
    const problems = this.deps.problems
    const scheduler = this.deps.scheduler ?? realScheduler
    // One statfs serves both gauges of a scrape (their collects run concurrently).
    let stat: { at: number; result: Promise<{ free: number; total: number } | undefined> } | undefined
    const read = () => {
      const now = scheduler.now()
      if (stat === undefined || now - stat.at > 1000) {
        stat = {
          at: now,
          result: statfs(dir).then(
            (st) => ({ free: st.bavail * st.bsize, total: st.blocks * st.bsize }),
            (err: unknown) => { problems?.report('disk-stat', err, 'reading the data directory\'s free space failed'); return undefined }
          )
        }
      }
      return stat.result
    }
    const disk = (name: string, help: string, pick: (d: { free: number; total: number }) => number) => new Gauge({
      name, help, registers,
      async collect() {
        const d = await read()
        if (d === undefined) this.reset()
        else this.set(pick(d))
      }
    })
    disk('swarmkv_data_dir_free_bytes', 'Free space on the file system of the data directory (as a non-root user sees it).', (d) => d.free)
    disk('swarmkv_data_dir_size_bytes', 'Size of the file system of the data directory.', (d) => d.total)
  }
}
