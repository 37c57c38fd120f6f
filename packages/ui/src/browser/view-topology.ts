import type { NodeCard, RegionGroup } from './cluster.js'
import { fill, h } from './dom.js'
import { hostOf, ms, num, shortId } from './format.js'
import { colourOf } from './chart.js'

const WRITES_TITLE = 'taken (a master), redirected (a replica), refused (read-only), — (the peer has not said)'
const LINK_TEXT = { self: 'this node', connected: 'linked', broken: 'link broken' } as const

function card(n: NodeCard): HTMLElement {
  const readOnly = n.readOnly === true ? h('span', { class: 'badge warn' }, 'read-only') : null
  const writes = n.readOnly === null ? '—' : n.readOnly ? 'refused' : n.role === 'master' ? 'taken' : 'redirected'
  return h('article', {
    class: `node ${n.link}`, 'data-node': n.nodeId, 'data-role': n.role, 'data-region': n.region, 'data-link': n.link,
    'data-read-only': n.readOnly === null ? 'unknown' : String(n.readOnly)
  },
  h('div', { class: 'node-head' },
    h('span', { class: 'swatch', style: n.self ? null : `background:${colourOf(n.nodeId)}` }),
    h('span', { class: `role ${n.role}` }, n.role),
    h('a', { class: 'node-host', href: `${n.httpUrl.replace(/\/$/, '')}/ui`, title: `open ${hostOf(n.httpUrl)}'s own dashboard` }, hostOf(n.httpUrl)),
    readOnly,
    n.catchingUp ? h('span', { class: 'badge info' }, 'catching up') : null),
  h('div', { class: 'node-body' },
    h('span', { class: 'node-id', title: n.nodeId }, shortId(n.nodeId)),
    h('span', { class: `link ${n.link}` }, h('i', {}), LINK_TEXT[n.link])),
  n.self
    ? h('dl', { class: 'node-figs' },
      h('dt', {}, 'applied'), h('dd', {}, num(n.appliedOps, ' ops')),
      h('dt', {}, 'writes'), h('dd', { class: 'plain', title: WRITES_TITLE }, writes))
    : h('dl', { class: 'node-figs' },
      h('dt', {}, 'lag'), h('dd', { 'data-fig': 'lag-ops' }, num(n.lagOps, ' ops')),
      h('dt', {}, 'age'), h('dd', { 'data-fig': 'lag-ms' }, ms(n.lagMs)),
      h('dt', {}, 'writes'), h('dd', { class: 'plain', title: WRITES_TITLE }, writes)))
}

function roleRow(title: string, nodes: readonly NodeCard[]): HTMLElement | null {
  if (nodes.length === 0) return null
  return h('div', { class: 'role-row' }, h('h4', {}, title), ...nodes.map(card))
}

/** Regions side by side; in each, masters above replicas. Links are this node's to each peer. */
export function renderTopology(el: HTMLElement, groups: readonly RegionGroup[]): void {
  fill(el, ...groups.map((g) => h('section', { class: 'region', 'data-region': g.region },
    h('h3', {}, h('span', {}, 'region'), ' ', g.region),
    roleRow('masters', g.masters),
    roleRow('replicas', g.replicas))))
}
