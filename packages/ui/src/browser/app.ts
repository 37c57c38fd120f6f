import { Api, ApiError, describe } from './api.js'
import { type ClusterJson, topology } from './cluster.js'
import { type Figure, type Totals, rate, totalsOf } from './figures.js'
import { History } from './history.js'
import { LiveChart } from './chart.js'
import { parseProm } from './prom.js'
import { byId, fill, h } from './dom.js'
import { ago, hostOf, ms, num, shortId } from './format.js'
import { renderTopology } from './view-topology.js'
import { renderLinks } from './view-links.js'
import { renderStats } from './view-stats.js'
import { renderOrigins } from './view-origins.js'
import { KeyBrowser } from './view-keys.js'
import { AdminPanel } from './view-admin.js'

/** How often the page polls /cluster and /metrics: live enough to watch, cheap for the node. */
export const POLL_MS = 2000

type Tab = 'overview' | 'keys' | 'admin'
type Phase = 'loading' | 'live' | 'offline' | 'unauthorized' | 'error'

const api = new Api()
const lagOps = new History()
const lagMs = new History()
const rates = new History()
const peerLabels = new Map<string, string>()
const label = (id: string) => peerLabels.get(id) ?? shortId(id)
const charts = {
  ops: new LiveChart(byId('chart-ops'), { label, format: (v) => num(v), empty: 'No peers yet.', minMax: 10 }),
  ms: new LiveChart(byId('chart-ms'), { label, format: (v) => ms(v), empty: 'No peers yet.', minMax: 1000 }),
  rates: new LiveChart(byId('chart-rates'), { label: (n) => n, format: (v) => num(v, '/s'), empty: 'Collecting… (needs /metrics)', minMax: 1 })
}
const keys = new KeyBrowser(api, byId('key-list'), byId('key-detail'), byId<HTMLInputElement>('key-prefix'))
const admin = new AdminPanel(api, byId('admin-actions'), byId('admin-result'), () => void tick())

let phase: Phase = 'loading'
let lastOk = 0
let prev: { at: number; totals: Partial<Totals> } | undefined
let timer: ReturnType<typeof setTimeout> | undefined
let running = false

function tab(): Tab {
  const t = location.hash.slice(1)
  return t === 'keys' || t === 'admin' ? t : 'overview'
}

function showTab(): void {
  const t = tab()
  for (const name of ['overview', 'keys', 'admin'] as const) {
    byId(`tab-${name}`).hidden = phase === 'unauthorized' || phase === 'loading' || name !== t
    byId(`nav-${name}`).classList.toggle('active', name === t)
  }
}

function setPhase(p: Phase, text: string): void {
  phase = p
  document.body.dataset.phase = p
  const status = byId('status')
  status.className = `status ${p}`
  fill(status, h('i', {}), text)
  byId('loading').hidden = p !== 'loading'
  byId('signin').hidden = p !== 'unauthorized'
  byId('signout').hidden = api.token === null
  showTab()
}

function banner(text: string | null): void {
  const b = byId('banner')
  b.hidden = text === null
  fill(b, text ?? '')
}

async function metrics(): Promise<{ totals: Partial<Totals>; note: string | null }> {
  try {
    const totals = totalsOf(parseProm(await api.text('/metrics')))
    const note = totals.writes === undefined && totals.registerReads === undefined ? 'This node publishes no request or sibling metrics.' : null
    return { totals, note }
  } catch (e) {
    if (e instanceof ApiError && e.kind === 'forbidden') return { totals: {}, note: 'Rates need a token that may read /metrics (scope metrics or admin).' }
    return { totals: {}, note: `Cannot read /metrics: ${describe(e)}` }
  }
}

function render(c: ClusterJson, totals: Partial<Totals>, note: string | null, now: number): void {
  const self = c.self
  fill(byId('node-summary'),
    h('span', { class: `role ${self.role}`, 'data-self-role': self.role }, self.role),
    h('strong', {}, hostOf(self.httpUrl)),
    h('code', { title: self.nodeId }, shortId(self.nodeId)),
    h('span', { class: 'muted' }, `region ${self.region}`),
    self.readOnly ? h('span', { class: 'badge warn' }, 'read-only') : null,
    self.version === undefined ? null : h('span', { class: 'muted' }, `v${self.version}`))
  document.title = `swarmkv · ${hostOf(self.httpUrl)} · ${self.role}`
  const groups = topology(c)
  renderLinks(byId('links'), groups)
  renderTopology(byId('topology'), groups)
  renderOrigins(byId('origins'), c)

  let changed = false
  for (const p of c.peers) {
    const l = `${hostOf(p.httpUrl)} ${shortId(p.nodeId)}`
    if (peerLabels.get(p.nodeId) !== l) { peerLabels.set(p.nodeId, l); changed = true }
  }
  lagOps.push(now, new Map(c.peers.map((p) => [p.nodeId, p.lagOps])))
  lagMs.push(now, new Map(c.peers.map((p) => [p.nodeId, p.lagMs])))
  const dt = prev === undefined ? 0 : (now - prev.at) / 1000
  const r = (k: keyof Totals): Figure => rate(prev?.totals[k], totals[k], dt)
  const writes = r('writes')
  const reads = r('reads')
  rates.push(now, new Map([['writes', writes], ['reads', reads]]))
  prev = { at: now, totals }

  renderStats(byId('tiles'), {
    writesPerSec: writes, readsPerSec: reads, conflictsPerSec: r('conflicts'),
    meanSiblings: totals.siblings !== undefined && totals.registerReads ? totals.siblings / totals.registerReads : null,
    conflictsTotal: totals.conflicts ?? null,
    connected: c.peers.filter((p) => p.connected).length, peers: c.peers.length, metricsNote: note
  })
  if (tab() === 'overview') {
    charts.ops.update(lagOps, changed)
    charts.ms.update(lagMs, changed)
    charts.rates.update(rates)
  }
  admin.render(c)
}

/** One poll. A failure never stops the loop: the next tick retries, so a restarted node is picked up by itself. */
async function tick(): Promise<void> {
  if (running) return
  running = true
  clearTimeout(timer)
  try {
    const [c, m] = await Promise.all([api.json<ClusterJson>('/cluster'), metrics()])
    const now = Date.now()
    lastOk = now
    banner(null)
    setPhase('live', 'live')
    render(c, m.totals, m.note, now)
    if (tab() === 'keys') await keys.refresh()
  } catch (e) {
    if (e instanceof ApiError && e.kind === 'unauthorized') {
      fill(byId('signin-error'), api.token === null ? '' : `The node refused this token: ${describe(e)}`)
      setPhase('unauthorized', 'sign-in needed')
    } else if (e instanceof ApiError && e.kind === 'offline') {
      setPhase(lastOk === 0 ? 'loading' : 'offline', 'reconnecting')
      banner(lastOk === 0 ? null : `The node does not answer; retrying every ${POLL_MS / 1000} s. Last data ${ago(lastOk, Date.now())}.`)
    } else {
      setPhase('error', 'error')
      banner(`The node answered with an error: ${describe(e)}`)
    }
  } finally {
    running = false
    timer = setTimeout(() => void tick(), POLL_MS)
  }
}

byId('signin-form').addEventListener('submit', (e) => {
  e.preventDefault()
  api.token = byId<HTMLInputElement>('signin-token').value.trim()
  byId<HTMLInputElement>('signin-token').value = ''
  void tick()
})
byId('signout').addEventListener('click', () => {
  api.token = null
  void tick()
})
window.addEventListener('hashchange', () => {
  showTab()
  if (tab() === 'keys') void keys.refresh()
  if (tab() === 'overview') { charts.ops.update(lagOps); charts.ms.update(lagMs); charts.rates.update(rates) }
})
setPhase('loading', 'connecting')
void tick()
