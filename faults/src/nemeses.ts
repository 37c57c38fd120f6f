import { open, rm, stat } from 'node:fs/promises'
import { join } from 'node:path'
import { waitUntil } from '@swarmkv/testkit'
import { agree, compactUntilAgreed, digests } from './digests.js'
import { STATE, dataDirOf, topology, urlOf, type NodeName } from './topology.js'

/** libfaketime as Debian's `faketime` package installs it. */
const LIBFAKETIME = '/usr/lib/x86_64-linux-gnu/faketime/libfaketime.so.1'
/** Longer than every timeout in play: the client's 2 s, the handshake's 5 s, the ?w= 2 s, UDX keep-alives. */
export const PAUSE_MS = 25_000

/** What a nemesis did, in order: the report lists it. */
export type FaultLog = string[]

export interface NemesisContext {
  readonly seed: number
  readonly faults: FaultLog
}

/**
 * One kind of fault, bounded in time: `inject` at `faultAtMs` into the workload, `heal` at
 * `healAtMs`, the workload runs `durationMs` in all. `before` and `after` prepare and undo what
 * the fault needs (a wrapped start, a snapshot) outside the measured window.
 */
export interface Nemesis {
  readonly name: string
  readonly description: string
  readonly durationMs: number
  readonly faultAtMs: number
  readonly healAtMs: number
  /** Masters the workload writes to (default all three). */
  readonly masters?: readonly NodeName[]
  before?(ctx: NemesisContext): Promise<void>
  inject(ctx: NemesisContext): Promise<void>
  heal(ctx: NemesisContext): Promise<void>
  /** After the workload has stopped, before convergence is awaited. */
  after?(ctx: NemesisContext): Promise<void>
  /** What this fault must have looked like from the clients (errors by code): problems, if any. */
  verify?(errors: Readonly<Record<string, number>>): string[]
}

const pickBy = <T>(seed: number, xs: readonly T[]): T => xs[seed % xs.length]!

async function step(ctx: NemesisContext, what: string, fn: () => Promise<void>): Promise<void> {
  const t = Date.now()
  await fn()
  ctx.faults.push(`${what} (${Date.now() - t} ms)`)
}

export const NEMESES: readonly Nemesis[] = [
  {
    name: 'partition-regions',
    description: 'eu and us lose each other (both still reach the DHT) for 8 s',
    durationMs: 14_000, faultAtMs: 2000, healAtMs: 10_000,
    inject: (ctx) => step(ctx, 'partition eu | us', () => topology.partition('eu', 'us')),
    heal: (ctx) => step(ctx, 'heal', () => topology.heal())
  },
  {
    name: 'isolate-master',
    description: 'one master is cut off from every other node and the DHT for 8 s',
    durationMs: 14_000, faultAtMs: 2000, healAtMs: 10_000,
    async inject(ctx) {
      const m = pickBy<NodeName>(ctx.seed, ['eu-m1', 'us-m1', 'eu-m2'])
      await step(ctx, `isolate ${m}`, async () => {
        for (const other of ['dht', 'eu-m1', 'eu-m2', 'eu-r1', 'us-m1', 'us-r1']) if (other !== m) await topology.partition(m, other)
      })
    },
    heal: (ctx) => step(ctx, 'heal', () => topology.heal())
  },
  {
    name: 'one-way',
    description: 'packets from one region to the other are dropped, the way back works, for 8 s',
    durationMs: 14_000, faultAtMs: 2000, healAtMs: 10_000,
    async inject(ctx) {
      const [from, to] = ctx.seed % 2 === 0 ? (['us', 'eu'] as const) : (['eu', 'us'] as const)
      await step(ctx, `drop ${from} -> ${to} only`, () => topology.dropOneWay(from, to))
    },
    heal: (ctx) => step(ctx, 'heal', () => topology.heal())
  },
  {
    name: 'kill-master',
    description: 'kill -9 of a master under load; restarted 3 s later',
    durationMs: 12_000, faultAtMs: 2000, healAtMs: 5000,
    async inject(ctx) {
      const m = pickBy<NodeName>(ctx.seed, ['eu-m2', 'us-m1', 'eu-m1'])
      killed.set(ctx.seed, m)
      await step(ctx, `SIGKILL ${m}`, () => topology.node('kill', m))
    },
    async heal(ctx) {
      const m = killed.get(ctx.seed)!
      await step(ctx, `restart ${m} (until /ready)`, () => topology.node('start', m))
    }
  },
  {
    name: 'pause-master',
    description: `SIGSTOP of a master for ${PAUSE_MS / 1000} s (longer than every timeout), then SIGCONT`,
    durationMs: PAUSE_MS + 6000, faultAtMs: 2000, healAtMs: PAUSE_MS + 2000,
    async inject(ctx) {
      const m = pickBy<NodeName>(ctx.seed, ['us-m1', 'eu-m2', 'eu-m1'])
      paused.set(ctx.seed, m)
      await step(ctx, `SIGSTOP ${m}`, () => topology.signal(m, 'SIGSTOP'))
    },
    async heal(ctx) {
      const m = paused.get(ctx.seed)!
      await step(ctx, `SIGCONT ${m}`, () => topology.signal(m, 'SIGCONT'))
    }
  },
  {
    name: 'clock-skew',
    description: 'one master runs 1 h behind (even seeds) or ahead (odd seeds) under libfaketime, with causal chains through it',
    durationMs: 10_000, faultAtMs: 0, healAtMs: 10_000,
    async before(ctx) {
      const offset = ctx.seed % 2 === 0 ? '-1h' : '+1h'
      await step(ctx, `restart us-m1 with FAKETIME=${offset}`, () => topology.node('restart', 'us-m1', {
        env: { SKV_NODE_WRAP: `env LD_PRELOAD=${LIBFAKETIME} FAKETIME=${offset} DONT_FAKE_MONOTONIC=1` }
      }))
    },
    inject: async () => {},
    heal: async () => {},
    async after(ctx) {
      await step(ctx, 'restart us-m1 on the true clock', () => topology.node('restart', 'us-m1'))
    }
  },
  {
    name: 'disk-full',
    description: "a master's data disk (a 64 MiB tmpfs) is filled for 6 s, then space returns",
    durationMs: 12_000, faultAtMs: 2000, healAtMs: 8000,
    inject: (ctx) => step(ctx, 'fill the tmpfs under eu-m2', () => fillDisk(dataDirOf('eu-m2'))),
    async heal(ctx) {
      await step(ctx, 'free the space', () => rm(ballastOf(dataDirOf('eu-m2')), { force: true }))
      // The node must still run (same PID) and take writes again, without a restart.
      const pid = await topology.pid('eu-m2')
      process.kill(pid, 0)
      await step(ctx, `eu-m2 (pid ${pid}, never restarted) takes a write again`, () => waitForWrite('eu-m2', 20_000))
    },
    verify(errors) {
      const problems: string[] = []
      const full = Object.entries(errors).filter(([k]) => k.endsWith(' fail STORAGE_FULL')).reduce((a, [, n]) => a + n, 0)
      if (full === 0) problems.push('no write was refused with STORAGE_FULL while the disk was full')
      for (const [k, n] of Object.entries(errors)) if (k.includes('INTERNAL')) problems.push(`${n} × ${k}: a full disk must give 507 STORAGE_FULL, not an internal error`)
      return problems
    }
  },
  {
    name: 'restore-replica',
    description: 'a replica is copied mid-run (holding values deleted after), every node collects the tombstones, and the replica restarts from the older copy',
    durationMs: 12_000, faultAtMs: 4000, healAtMs: 12_000,
    async inject(ctx) {
      const n = pickBy<NodeName>(ctx.seed, ['eu-r1', 'us-r1'])
      restored.set(ctx.seed, n)
      await step(ctx, `stop ${n}, copy its data dir, start it`, async () => {
        await topology.node('stop', n)
        await topology.snapshot(n, join(STATE, `snapshot-${n}`))
        await topology.node('start', n)
      })
    },
    heal: async () => {},
    async after(ctx) {
      const n = restored.get(ctx.seed)!
      await step(ctx, 'wait until every node has every op', async () => { await waitUntil('equal digests', async () => agree(await digests()), 60_000, 250) })
      await step(ctx, 'compact every node until the digests agree (the tombstones are collected)', async () => { await compactUntilAgreed(30_000) })
      await step(ctx, `stop ${n}, put the older copy back, start it`, async () => {
        await topology.node('stop', n)
        await topology.restore(n, join(STATE, `snapshot-${n}`))
        await topology.node('start', n)
      })
    }
  }
]

const killed = new Map<number, NodeName>()
const paused = new Map<number, NodeName>()
const restored = new Map<number, NodeName>()

const ballastOf = (dir: string) => join(dir, 'ballast')

/** Writes zeros until the file system under `dir` says ENOSPC. */
async function fillDisk(dir: string): Promise<void> {
  const fh = await open(ballastOf(dir), 'w')
  const chunk = Buffer.alloc(1 << 20)
  try {
    for (let i = 0; i < 4096; i++) await fh.write(chunk)
    throw new Error(`${dir} took 4 GiB without filling up: is it on the small tmpfs?`)
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOSPC') throw e
  } finally {
    await fh.close()
  }
  await stat(ballastOf(dir))
}

/** Retries a PUT on `n` until one is acknowledged, at most `ms`. */
async function waitForWrite(n: NodeName, ms: number): Promise<void> {
  const deadline = Date.now() + ms
  let last = ''
  while (Date.now() < deadline) {
    try {
      const res = await fetch(`${urlOf(n)}/kv/faults-probe/${n}`, { method: 'PUT', body: 'probe', signal: AbortSignal.timeout(2000) })
      last = `${res.status} ${await res.text()}`
      if (res.ok) return
    } catch (e) {
      last = (e as Error).message
    }
    await new Promise((r) => setTimeout(r, 200))
  }
  throw new Error(`${n} took no write within ${ms} ms after space returned (last: ${last})`)
}
