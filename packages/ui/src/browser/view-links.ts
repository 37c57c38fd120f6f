import type { RegionGroup } from './cluster.js'
import { hostOf } from './format.js'
import { colourOf } from './chart.js'

const NS = 'http://www.w3.org/2000/svg'
const WIDTH = 640
const HEIGHT = 104
const PEER_Y = 32
const SELF_Y = 86

function svg<K extends keyof SVGElementTagNameMap>(tag: K, attrs: Record<string, string | number>, text?: string): SVGElementTagNameMap[K] {
  const el = document.createElementNS(NS, tag)
  for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, String(v))
  if (text !== undefined) el.textContent = text
  return el
}

/**
 * The links at a glance: this node below, every peer above in the topology's order (region by
 * region), a solid green line for a connected link, a dashed red one for a broken link.
 */
export function renderLinks(el: HTMLElement, groups: readonly RegionGroup[]): void {
  const nodes = groups.flatMap((g) => [...g.masters, ...g.replicas])
  const self = nodes.find((n) => n.self)
  const peers = nodes.filter((n) => !n.self)
  const root = svg('svg', { viewBox: `0 0 ${WIDTH} ${HEIGHT}`, role: 'img', 'aria-label': 'links from this node to each peer', class: 'links' })
  if (self === undefined) { el.replaceChildren(root); return }
  const step = WIDTH / Math.max(1, peers.length)
  const selfX = WIDTH / 2
  peers.forEach((p, i) => {
    const x = step * (i + 0.5)
    root.append(svg('line', { x1: selfX, y1: SELF_Y, x2: x, y2: PEER_Y, class: `edge ${p.link}`, 'data-edge': p.nodeId }))
  })
  peers.forEach((p, i) => {
    const x = step * (i + 0.5)
    const g = svg('g', { class: `vertex ${p.link}` })
    g.append(svg('circle', { cx: x, cy: PEER_Y, r: 9, fill: colourOf(p.nodeId) }))
    if (p.role === 'master') g.append(svg('circle', { cx: x, cy: PEER_Y, r: 13, class: 'ring' }))
    g.append(svg('text', { x, y: PEER_Y - 18, class: 'label', 'text-anchor': 'middle' }, peers.length > 4 ? hostOf(p.httpUrl) : `${hostOf(p.httpUrl)} · ${p.region}`))
    root.append(g)
  })
  const g = svg('g', { class: 'vertex self' })
  g.append(svg('circle', { cx: selfX, cy: SELF_Y, r: 10, class: 'self-dot' }))
  if (self.role === 'master') g.append(svg('circle', { cx: selfX, cy: SELF_Y, r: 14, class: 'ring' }))
  g.append(svg('text', { x: selfX + 20, y: SELF_Y + 4, class: 'label strong' }, `this node · ${self.region}`))
  root.append(g)
  el.replaceChildren(root)
}
