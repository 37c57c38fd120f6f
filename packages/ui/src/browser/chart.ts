import uPlot from 'uplot'
import type { History } from './history.js'
import { fill, h } from './dom.js'

// Blue is this node's own colour (app.css), so peers start elsewhere.
const PALETTE = ['#f59e0b', '#10b981', '#8b5cf6', '#ef4444', '#06b6d4', '#ec4899', '#84cc16', '#64748b']

const assigned = new Map<string, string>()

/**
 * A colour per series name, the same in every chart and on the topology cards: the palette in
 * order of first appearance (a hash of the name gave two of four peers the same colour).
 */
export function colourOf(name: string): string {
  let c = assigned.get(name)
  if (c === undefined) assigned.set(name, c = PALETTE[assigned.size % PALETTE.length]!)
  return c
}

export interface ChartOptions {
  /** Legend label of a series. */
  readonly label: (name: string) => string
  /** Axis and legend values. */
  readonly format: (v: number | null) => string
  /** Shown while there is nothing to draw. */
  readonly empty: string
  /** The y axis reaches at least this far, so a flat zero line does not show a 0-1 ms scale. */
  readonly minMax: number
  readonly height?: number
}

const DEFAULT_HEIGHT = 128
const MIN_SPAN_S = 60

/**
 * A live uPlot line chart over a History. uPlot fixes its series at construction, so the chart
 * is rebuilt when the set of series changes (a peer appears or leaves the window) and only fed
 * new data otherwise.
 */
export class LiveChart {
  private plot: uPlot | undefined
  private names: string[] = []
  private readonly holder: HTMLElement
  private readonly note: HTMLElement

  constructor(private readonly el: HTMLElement, private readonly opts: ChartOptions) {
    this.holder = h('div', { class: 'chart-plot' })
    this.note = h('div', { class: 'chart-empty' }, opts.empty)
    fill(el, this.holder, this.note)
    new ResizeObserver(() => this.plot?.setSize(this.size())).observe(el)
  }

  update(history: History, labelsChanged = false): void {
    const names = history.names()
    this.note.hidden = names.length > 0 && history.length > 1
    const same = !labelsChanged && names.length === this.names.length && names.every((n, i) => n === this.names[i])
    const data = history.data(names) as uPlot.AlignedData
    if (this.plot !== undefined && same) {
      this.plot.setData(data)
      return
    }
    this.plot?.destroy()
    this.names = names
    const fmt = (_u: uPlot, v: number | null) => this.opts.format(v)
    this.plot = new uPlot({
      ...this.size(),
      legend: { live: false },
      cursor: { drag: { x: false, y: false } },
      // At least a minute on the x axis: a few seconds of data would get sub-second ticks.
      scales: { x: { time: true, range: (_u, min, max) => [Math.min(min, max - MIN_SPAN_S), max] }, y: { range: (_u, _min, max) => [0, Math.max(this.opts.minMax, max * 1.15)] } },
      axes: [
        { stroke: '#64748b', grid: { stroke: '#eef2f7' }, ticks: { stroke: '#e2e8f0' } },
        { stroke: '#64748b', grid: { stroke: '#eef2f7' }, ticks: { stroke: '#e2e8f0' }, size: 64, values: (u, vs) => vs.map((v) => fmt(u, v)) }
      ],
      series: [{}, ...names.map((n) => ({ label: this.opts.label(n), stroke: colourOf(n), width: 2, value: fmt, spanGaps: false, points: { show: false } }))]
    }, data, this.holder)
  }

  private size(): { width: number; height: number } {
    return { width: Math.max(240, this.el.clientWidth), height: this.opts.height ?? DEFAULT_HEIGHT }
  }
}
