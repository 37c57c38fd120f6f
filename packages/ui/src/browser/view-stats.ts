import type { Figure } from './figures.js'
import { fill, h } from './dom.js'
import { num } from './format.js'

export interface Stats {
  readonly writesPerSec: Figure
  readonly readsPerSec: Figure
  readonly conflictsPerSec: Figure
  /** Mean siblings per register read since the node started. */
  readonly meanSiblings: Figure
  readonly conflictsTotal: Figure
  readonly connected: number
  readonly peers: number
  /** Why the metric tiles are empty, when they are (no scope, old node). */
  readonly metricsNote: string | null
}

function tile(id: string, label: string, value: string, sub: string): HTMLElement {
  return h('div', { class: 'tile', 'data-tile': id }, h('div', { class: 'tile-label' }, label), h('div', { class: 'tile-value' }, value), h('div', { class: 'tile-sub' }, sub))
}

export function renderStats(el: HTMLElement, s: Stats): void {
  fill(el,
    tile('writes', 'writes', num(s.writesPerSec, '/s'), 'kv · docs · batch'),
    tile('reads', 'reads', num(s.readsPerSec, '/s'), 'kv · docs'),
    tile('conflicts', 'conflicts', num(s.conflictsPerSec, '/s'), `reads with >1 sibling: ${num(s.conflictsTotal)} so far, mean ${num(s.meanSiblings)}`),
    tile('peers', 'peers linked', `${s.connected} / ${s.peers}`, s.connected < s.peers ? 'some links are broken' : 'every link up'),
    s.metricsNote === null ? null : h('p', { class: 'tiles-note' }, s.metricsNote))
}
