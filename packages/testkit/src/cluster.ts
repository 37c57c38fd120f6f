import { spawn, type ChildProcess } from 'node:child_process'
import { createWriteStream, type WriteStream } from 'node:fs'
import { mkdtemp, rm, mkdir } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { SwarmkvClient } from '@swarmkv/client'
import { freeTcpPort, freeUdpPort } from './ports.js'
import { waitUntil } from './wait.js'
import { nodeLaunchOf } from '@swarmkv/core/node-launch'

/** The swarmkv executable of this checkout. */
export const SWARMKV_BIN = resolve(fileURLToPath(import.meta.url), '../../../cli/bin/swarmkv.js')
/** The environment and Node.js flags the bin runs with as a program (its memory budget): a started node gets them too. */
const LAUNCH = nodeLaunchOf(SWARMKV_BIN)
const spawnNode = (args: string[]) => spawn(process.execPath, [...LAUNCH.flags, ...args], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...LAUNCH.env } })

export interface NodeSpec {
  readonly name: string
  /** Passed as --role; without it the node takes the role kept in its data dir (a new one: master). */
  readonly role?: 'master' | 'replica'
  readonly region?: string
  readonly fsync?: 'always' | 'batch' | 'off'
  /** Overrides the cluster secret for this node. */
  readonly secret?: string
  /** Extra `swarmkv start` arguments. */
  readonly args?: readonly string[]
  /** Bearer token the testkit's own calls (/cluster, /admin/digest) carry, for a node started with --token. */
  readonly token?: string
}

export interface ClusterOptions {
  readonly nodes: readonly NodeSpec[]
  readonly cluster?: string
  /** Cluster secret; `null` runs every node standalone (no replication, no bootstrap). */
  readonly secret?: string | null
}

export interface ClusterView {
  self: {
    nodeId: string; role: string; readOnly: boolean; version: string; seq: number; applied: Record<string, number>; publicKey: string | null
    behind: Array<{ origin: string; ops: number | null }>
  }
  peers: Array<{
    nodeId: string; role: string; region: string; connected: boolean; readOnly: boolean | null; applied: Record<string, number>
    lagOps: number | null; lagMs: number | null; catchingUp: boolean; httpUrl: string
  }>
}

/** One swarmkv node process: its ports and data dir stay the same across restarts. */
export class NodeProcess {
  child: ChildProcess | undefined
  nodeId = ''
  /** Extra `swarmkv start` arguments for the next start (e.g. --block-peer). */
  extraArgs: string[] = []
  readonly url: string
  readonly client: SwarmkvClient
  private log: WriteStream | undefined
  private exited: Promise<void> = Promise.resolve()

  constructor(
    readonly spec: NodeSpec,
    readonly dataDir: string,
    readonly httpPort: number,
    readonly dhtPort: number,
    private readonly logFile: string,
    private readonly commonArgs: () => string[]
  ) {
    this.url = `http://127.0.0.1:${httpPort}`
    this.client = new SwarmkvClient({ url: this.url, ...(spec.token !== undefined ? { token: spec.token } : {}) })
  }

  get running(): boolean {
    return this.child !== undefined && this.child.exitCode === null && this.child.signalCode === null
  }

  async start(): Promise<void> {
    if (this.running) throw new Error(`${this.spec.name} is already running`)
    this.log ??= createWriteStream(this.logFile, { flags: 'a' })
    const args = [
      SWARMKV_BIN, 'start', ...(this.spec.role !== undefined ? ['--role', this.spec.role] : []), '--http', `127.0.0.1:${this.httpPort}`,
      '--data', this.dataDir, '--region', this.spec.region ?? 'r1', '--fsync', this.spec.fsync ?? 'batch',
      // Compaction (and tombstone collection) only when a test asks for it: POST /admin/compact.
      '--dht-port', String(this.dhtPort), '--compact-interval', '0', ...this.commonArgs(), ...(this.spec.secret !== undefined ? ['--secret', this.spec.secret] : []),
      ...(this.spec.args ?? []), ...this.extraArgs
    ]
    const child = spawnNode(args)
    this.child = child
    const log = this.log
    child.stdout?.on('data', (c: Buffer) => log.write(c))
    child.stderr?.on('data', (c: Buffer) => log.write(c))
    this.exited = new Promise((r) => child.on('exit', () => r()))
    await waitUntil(`${this.spec.name} to be ready`, async () => {
      if (!this.running) throw new Error(`${this.spec.name} exited (see ${this.logFile})`)
      const res = await fetch(`${this.url}/ready`)
      return res.ok
    }, 30_000)
    const c = await this.cluster()
    this.nodeId = c.self.nodeId
  }

  /** Graceful stop (SIGTERM). */
  async stop(): Promise<void> {
    if (!this.running) return
    this.child?.kill('SIGTERM')
    await this.exited
  }

  /** Freezes the process (SIGSTOP): its connections stay open and nothing it does moves. */
  pause(): void {
    if (!this.running) throw new Error(`${this.spec.name} is not running`)
    this.child?.kill('SIGSTOP')
  }

  /** Lets a paused process run again (SIGCONT). */
  resume(): void {
    this.child?.kill('SIGCONT')
  }

  /** Crash (SIGKILL): nothing is flushed, nothing is closed. */
  async kill(): Promise<void> {
    if (!this.running) return
    this.child?.kill('SIGKILL')
    await this.exited
  }

  async restart(): Promise<void> {
    await this.stop()
    await this.start()
  }

  cluster(): Promise<ClusterView> {
    return this.client.json<ClusterView>('/cluster')
  }

  digest(): Promise<{ digest: string; keys: number; applied: Record<string, number> }> {
    return this.client.json('/admin/digest')
  }

  async closeLog(): Promise<void> {
    const log = this.log
    this.log = undefined
    if (log !== undefined) await new Promise((r) => log.end(r))
  }
}

/**
 * Starts real swarmkv processes on loopback: free ports, temp data dirs, a DHT bootstrap
 * process, and clean teardown. Logs stay in `dir` when stop() is asked to keep them.
 */
export class Cluster {
  readonly nodes = new Map<string, NodeProcess>()
  private bootstrapChild: ChildProcess | undefined
  private bootstrapPort = 0

  private constructor(readonly dir: string, private readonly opts: ClusterOptions) {}

  static async start(opts: ClusterOptions): Promise<Cluster> {
    const dir = await mkdtemp(join(tmpdir(), 'swarmkv-cluster-'))
    const c = new Cluster(dir, opts)
    try {
      if (opts.secret !== null) await c.startBootstrap()
      for (const spec of opts.nodes) await c.add(spec)
      await Promise.all([...c.nodes.values()].map((n) => n.start()))
    } catch (e) {
      await c.stop({ keepLogs: true })
      throw e
    }
    return c
  }

  node(name: string): NodeProcess {
    const n = this.nodes.get(name)
    if (n === undefined) throw new Error(`no node ${name}`)
    return n
  }

  /** Adds a node (not started). */
  async add(spec: NodeSpec): Promise<NodeProcess> {
    const dataDir = join(this.dir, spec.name)
    await mkdir(dataDir, { recursive: true })
    const n = new NodeProcess(spec, dataDir, await freeTcpPort(), await freeUdpPort(), join(this.dir, `${spec.name}.log`), () => this.commonArgs())
    this.nodes.set(spec.name, n)
    return n
  }

  private commonArgs(): string[] {
    if (this.opts.secret === null) return []
    return ['--cluster', this.opts.cluster ?? 'test', '--secret', this.opts.secret ?? 'test-secret', '--bootstrap', `127.0.0.1:${this.bootstrapPort}`]
  }

  get bootstrap(): { host: string; port: number } {
    return { host: '127.0.0.1', port: this.bootstrapPort }
  }

  private async startBootstrap(): Promise<void> {
    this.bootstrapPort = await freeUdpPort()
    const child = spawnNode([SWARMKV_BIN, 'dht', '--host', '127.0.0.1', '--port', String(this.bootstrapPort)])
    this.bootstrapChild = child
    const log = createWriteStream(join(this.dir, 'bootstrap.log'))
    child.stderr?.on('data', (c: Buffer) => log.write(c))
    await new Promise<void>((resolve, reject) => {
      child.stdout?.on('data', (c: Buffer) => {
        log.write(c)
        if (c.toString().includes('listening')) resolve()
      })
      child.on('exit', (code) => reject(new Error(`bootstrap exited with ${code}`)))
    })
  }

  running(): NodeProcess[] {
    return [...this.nodes.values()].filter((n) => n.running)
  }

  /** Waits until every running node sees `count` connected peers (default: all other running nodes). */
  async waitConnected(count?: number, timeoutMs = 30_000): Promise<void> {
    const nodes = this.running()
    const want = count ?? nodes.length - 1
    await waitUntil(`${want} connected peers on every node`, async () => {
      const views = await Promise.all(nodes.map((n) => n.cluster()))
      return views.every((v) => v.peers.filter((p) => p.connected).length >= want)
    }, timeoutMs)
  }

  /** Waits until every running node has the same applied vector and the same state digest. */
  async waitConverged(timeoutMs = 60_000): Promise<{ digest: string; keys: number; applied: Record<string, number> }> {
    return waitUntil('every node to hold identical state', async () => {
      const ds = await Promise.all(this.running().map((n) => n.digest()))
      const first = ds[0]
      if (first === undefined) return undefined
      const vv = (a: Record<string, number>) => JSON.stringify(Object.entries(a).sort())
      return ds.every((d) => d.digest === first.digest && vv(d.applied) === vv(first.applied)) ? first : undefined
    }, timeoutMs, 100)
  }

  async stop(opts: { keepLogs?: boolean } = {}): Promise<void> {
    await Promise.all([...this.nodes.values()].map((n) => n.kill()))
    for (const n of this.nodes.values()) await n.closeLog()
    if (this.bootstrapChild !== undefined && this.bootstrapChild.exitCode === null) {
      const child = this.bootstrapChild
      const exited = new Promise((r) => child.on('exit', r))
      child.kill('SIGKILL')
      await exited
    }
    if (opts.keepLogs === true) {
      process.stderr.write(`swarmkv testkit: logs and data kept in ${this.dir}\n`)
      return
    }
    await rm(this.dir, { recursive: true, force: true })
  }
}
