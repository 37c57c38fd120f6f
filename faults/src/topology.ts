import { execFile } from 'node:child_process'
import { cp, rm } from 'node:fs/promises'
import { join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'

const run = promisify(execFile)

/** The repository root and its network-namespace scripts (scripts/netns/, see lib.sh). */
export const ROOT = resolve(fileURLToPath(import.meta.url), '../../..')
const NETNS = join(ROOT, 'scripts/netns')

/** Set by faults/run.sh, read the same way by scripts/netns/lib.sh. */
const PREFIX = process.env.SKV_NETNS_PREFIX ?? 'skvf'
const NET = process.env.SKV_NETNS_NET ?? '10.88'
export const STATE = process.env.SKV_NETNS_STATE ?? `/tmp/swarmkv-netns-${PREFIX}`

export type NodeName = 'eu-m1' | 'eu-m2' | 'eu-r1' | 'us-m1' | 'us-r1'
export const NODES: readonly NodeName[] = ['eu-m1', 'eu-m2', 'eu-r1', 'us-m1', 'us-r1']
export const MASTERS: readonly NodeName[] = ['eu-m1', 'eu-m2', 'us-m1']
export type Region = 'eu' | 'us'

const IPS: Record<NodeName | 'dht', string> = {
  dht: `${NET}.0.10`, 'eu-m1': `${NET}.1.11`, 'eu-m2': `${NET}.1.12`, 'eu-r1': `${NET}.1.21`, 'us-m1': `${NET}.2.11`, 'us-r1': `${NET}.2.21`
}
const CIDRS: Record<Region, string> = { eu: `${NET}.1.0/24`, us: `${NET}.2.0/24` }

export const regionOf = (n: NodeName): Region => (n.startsWith('eu') ? 'eu' : 'us')
export const urlOf = (n: NodeName) => `http://${IPS[n]}:7000`
export const dataDirOf = (n: NodeName) => join(STATE, 'data', n)
export const nsOf = (n: NodeName | 'dht') => `${PREFIX}-${n}`

export interface ShOptions { readonly env?: Record<string, string> }

async function sh(script: string, args: readonly string[], opts: ShOptions = {}): Promise<void> {
  await run('bash', [join(NETNS, script), ...args], { env: { ...process.env, ...opts.env }, timeout: 90_000 })
}

/**
 * Drives the topology scripts/netns/up.sh built: processes by recorded PID (node.sh), partitions
 * by iptables DROP rules in the node namespaces (partition.sh, heal.sh), plus the faults the
 * scripts do not have (one-way drops, SIGSTOP, a wrapped start for libfaketime).
 */
export const topology = {
  /** start waits for /ready. `env.SKV_NODE_WRAP`: a command prefix for the node (e.g. env FAKETIME=…). */
  node: (cmd: 'start' | 'stop' | 'kill' | 'restart', n: NodeName, opts?: ShOptions) => sh('node.sh', [cmd, n], opts),
  partition: (a: string, b: string) => sh('partition.sh', [a, b]),
  heal: () => sh('heal.sh', []),

  /** Drops every packet from `from`'s addresses arriving in `to`'s namespaces: one direction only. */
  async dropOneWay(from: Region, to: Region): Promise<void> {
    for (const n of NODES.filter((x) => regionOf(x) === to)) {
      const ns = nsOf(n)
      await run('ip', ['netns', 'exec', ns, 'iptables', '-N', 'SKV-PARTITION']).catch(() => undefined)
      await run('ip', ['netns', 'exec', ns, 'iptables', '-C', 'INPUT', '-j', 'SKV-PARTITION']).catch(() =>
        run('ip', ['netns', 'exec', ns, 'iptables', '-I', 'INPUT', '1', '-j', 'SKV-PARTITION']))
      await run('ip', ['netns', 'exec', ns, 'iptables', '-A', 'SKV-PARTITION', '-s', CIDRS[from], '-j', 'DROP'])
    }
  },

  /** The PID node.sh recorded for a running node. */
  async pid(n: NodeName): Promise<number> {
    const { stdout } = await run('cat', [join(STATE, 'pids', `${n}.pid`)])
    const pid = Number(stdout.trim().split(' ')[0])
    if (!Number.isSafeInteger(pid) || pid <= 1) throw new Error(`no recorded pid for ${n}`)
    return pid
  },

  async signal(n: NodeName, sig: 'SIGSTOP' | 'SIGCONT'): Promise<void> {
    process.kill(await topology.pid(n), sig)
  },

  async snapshot(n: NodeName, to: string): Promise<void> {
    await rm(to, { recursive: true, force: true })
    await cp(dataDirOf(n), to, { recursive: true })
  },

  async restore(n: NodeName, from: string): Promise<void> {
    await rm(dataDirOf(n), { recursive: true, force: true })
    await cp(from, dataDirOf(n), { recursive: true })
  }
}
