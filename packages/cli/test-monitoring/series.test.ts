import { spawnSync } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { Cluster, waitUntil, type NodeProcess } from '@swarmkv/testkit'

const MONITORING = fileURLToPath(new URL('../../../monitoring/', import.meta.url))
const RULES = readFileSync(`${MONITORING}prometheus/alerts.yml`, 'utf8')
const DASHBOARD = readFileSync(`${MONITORING}grafana/swarmkv-dashboard.json`, 'utf8')

/** The series names an expression text uses (ours, and the default process/Node.js ones). */
function seriesIn(text: string): Set<string> {
  return new Set([...text.matchAll(/\b((?:swarmkv|process|nodejs)_[a-z0-9_]+)\b/g)].map((m) => m[1]!))
}

/** Sample names in an exposition. */
function samplesIn(text: string): Set<string> {
  const out = new Set<string>()
  for (const line of text.split('\n')) if (line !== '' && !line.startsWith('#')) out.add(/^[a-zA-Z_:][a-zA-Z0-9_:]*/.exec(line)![0])
  return out
}

function promtoolCheck(text: string): { status: number | null; output: string } {
  const r = spawnSync('promtool', ['check', 'metrics'], { input: text, encoding: 'utf8' })
  if (r.error !== undefined) throw r.error
  return { status: r.status, output: `${r.stdout}${r.stderr}` }
}

const scrape = async (n: NodeProcess) => (await fetch(`${n.url}/metrics`)).text()

describe('/metrics of real nodes in every role, against promtool and the shipped rules and dashboard', () => {
  let cluster: Cluster
  let alone: Cluster
  const texts = new Map<string, string>()

  beforeAll(async () => {
    cluster = await Cluster.start({ nodes: [{ name: 'master', role: 'master' }, { name: 'replica', role: 'replica' }] })
    alone = await Cluster.start({ secret: null, nodes: [{ name: 'alone', role: 'master' }] })
    await cluster.waitConnected()
    const m = cluster.node('master')
    const r = cluster.node('replica')
    const a = alone.node('alone')
    // Something in every histogram: writes (commits, fsyncs), reads (siblings), on every role.
    for (const n of [m, a]) {
      expect((await fetch(`${n.url}/kv/k`, { method: 'PUT', body: 'v' })).ok).toBe(true)
      expect((await fetch(`${n.url}/kv/k`)).ok).toBe(true)
    }
    await waitUntil('the replica to have the write', async () => (await fetch(`${r.url}/kv/k`)).ok)
    for (const n of [m, r, a]) texts.set(n.spec.name, await scrape(n))
  }, 90_000)

  afterAll(async () => {
    await cluster?.stop()
    await alone?.stop()
  })

  for (const role of ['master', 'replica', 'alone']) {
    it(`promtool check metrics passes on a ${role}`, () => {
      const r = promtoolCheck(texts.get(role)!)
      expect(r.output).toBe('')
      expect(r.status).toBe(0)
    })
  }

  it('promtool check metrics can fail (the check is not vacuous)', () => {
    const r = promtoolCheck('# TYPE bad_total gauge\nbad_total 1\n')
    expect(r.status).not.toBe(0)
  })

  it('every series the alert rules and the dashboard use exists in /metrics', () => {
    const exposed = new Set<string>()
    for (const t of texts.values()) for (const s of samplesIn(t)) exposed.add(s)
    const used = new Set([...seriesIn(RULES), ...seriesIn(DASHBOARD)])
    expect(used.size).toBeGreaterThan(20)
    const missing = [...used].filter((s) => !exposed.has(s))
    expect(missing).toEqual([])
  })

  it('the per-peer series carry peer, role and region, on both sides of a link', () => {
    const m = cluster.node('master')
    const r = cluster.node('replica')
    expect(texts.get('master')).toContain(`swarmkv_peer_connected{peer="${r.nodeId}",role="replica",region="r1"} 1`)
    expect(texts.get('replica')).toContain(`swarmkv_peer_connected{peer="${m.nodeId}",role="master",region="r1"} 1`)
    expect(texts.get('alone')).not.toContain('swarmkv_peer_connected{')
  })
})
