import type { ClusterJson } from './cluster.js'
import { fill, h } from './dom.js'
import { hostOf, num, shortId } from './format.js'

/**
 * What this node has applied of each origin's writes (`self.applied`) and how far it is behind
 * each (`self.behind`, the receiving side of the lag; absent on nodes that do not report it).
 */
export function renderOrigins(el: HTMLElement, c: ClusterJson): void {
  const hosts = new Map(c.peers.map((p) => [p.nodeId, hostOf(p.httpUrl)]))
  hosts.set(c.self.nodeId, 'this node')
  const behind = new Map((c.self.behind ?? []).map((b) => [b.origin, b.ops]))
  const origins = [...new Set([...Object.keys(c.self.applied), ...behind.keys()])]
    .sort((a, b) => Number(b === c.self.nodeId) - Number(a === c.self.nodeId) || (hosts.get(a) ?? a).localeCompare(hosts.get(b) ?? b))
  if (origins.length === 0) {
    fill(el, h('p', { class: 'empty' }, 'No writes applied yet.'))
    return
  }
  fill(el, h('table', { class: 'origins' },
    h('thead', {}, h('tr', {}, h('th', {}, 'origin'), h('th', {}, 'node'), h('th', { class: 'n' }, 'applied here'), h('th', { class: 'n' }, 'behind'))),
    h('tbody', {}, ...origins.map((o) => {
      const b = c.self.behind === undefined ? undefined : behind.get(o) ?? 0
      return h('tr', { 'data-origin': o },
        h('td', {}, h('code', { title: o }, shortId(o))),
        h('td', {}, hosts.get(o) ?? 'not connected'),
        h('td', { class: 'n' }, num(c.self.applied[o] ?? 0)),
        h('td', { class: b !== undefined && b !== 0 ? 'n lagging' : 'n' }, b === undefined ? '—' : b === null ? 'unknown' : num(b, ' ops')))
    }))))
}
