/**
 * A V8 CPU profile (`node --cpu-prof`) as a flame graph in SVG, and its time by category.
 * Icicle layout (callers above callees), widths are sampled time; the idle time is left out, so
 * the full width is the time the main thread was running or runnable. Each box has a tooltip.
 */

export interface CallFrame { functionName: string; url?: string; lineNumber: number; columnNumber?: number; scriptId?: string }
export interface ProfileNode { id: number; callFrame: CallFrame; children?: number[] }
/** A V8 CPU profile, as `node --cpu-prof` writes it. */
export interface CpuProfile { nodes: ProfileNode[]; startTime: number; endTime: number; samples: number[]; timeDeltas: number[] }

interface TreeNode extends ProfileNode { self: number; total: number; kids: TreeNode[] }

export interface Breakdown {
  sampledMs: number
  categories: Array<{ category: string; pct: number }>
  functions: Array<{ fn: string; category: string; pct: number }>
}

const ROW = 17
const FONT = 11
const CHAR_PX = 6.4

/** The category of a call frame, from its script's path (and the VM's pseudo frames). */
export function categoryOf(frame: CallFrame): string {
  const url = frame.url ?? ''
  const pkg = /node_modules\/\.pnpm\/[^/]+\/node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url)?.[1]
  if (pkg !== undefined) {
    if (/level/.test(pkg)) return 'leveldb'
    if (/fastify|find-my-way|avvio|light-my-request|ajv|fast-json/.test(pkg)) return 'fastify'
    if (/compact-encoding|b4a/.test(pkg)) return 'compact-encoding'
    if (/hyper|udx|protomux|secret-stream|sodium|streamx|dht/.test(pkg)) return 'hyperswarm'
    if (/automerge/.test(pkg)) return 'automerge'
    return 'other-deps'
  }
  const own = /packages\/([^/]+)\//.exec(url)?.[1]
  if (own !== undefined) return `swarmkv-${own}`
  if (url.startsWith('node:') || /^internal\//.test(url)) return /http|net|stream/.test(url) ? 'node-http' : 'node'
  const name = frame.functionName
  if (name === '(garbage collector)') return 'gc'
  if (name === '(program)' || name === '(root)') return 'vm'
  return url === '' ? 'native' : 'other'
}

const COLORS: Record<string, string> = {
  'swarmkv-storage': '#e6550d', 'swarmkv-core': '#fd8d3c', 'swarmkv-server': '#fdae6b', 'swarmkv-replication': '#fdd0a2',
  'swarmkv-cli': '#fdd0a2', leveldb: '#756bb1', fastify: '#3182bd', 'node-http': '#6baed6', node: '#9ecae1',
  'compact-encoding': '#fdbe85', hyperswarm: '#31a354', automerge: '#74c476', gc: '#de2d26', vm: '#bdbdbd', native: '#969696', 'other-deps': '#c7e9c0', other: '#d9d9d9'
}

function tree(profile: CpuProfile): TreeNode {
  const nodes = new Map<number, TreeNode>(profile.nodes.map((n) => [n.id, { ...n, self: 0, total: 0, kids: [] }]))
  for (let i = 0; i < profile.samples.length; i++) {
    const n = nodes.get(profile.samples[i] ?? -1)
    if (n !== undefined) n.self += profile.timeDeltas[i] ?? 0
  }
  const root = nodes.get(profile.nodes[0]?.id ?? -1)
  if (root === undefined) throw new Error('an empty CPU profile')
  const sum = (n: TreeNode): number => {
    n.kids = (n.children ?? []).map((id) => nodes.get(id)).filter((k): k is TreeNode => k !== undefined && k.callFrame.functionName !== '(idle)')
    n.total = n.self + n.kids.reduce((a, k) => a + sum(k), 0)
    return n.total
  }
  sum(root)
  return root
}

function esc(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;')
}

function label(frame: CallFrame): string {
  const file = (frame.url ?? '').split('/').slice(-1)[0] ?? ''
  return `${frame.functionName || '(anonymous)'}${file ? ` ${file}:${frame.lineNumber + 1}` : ''}`
}

/**
 * The profile from the first HTTP request on: the process's start (loading modules, opening the
 * store) is not what a request costs.
 */
export function fromFirstRequest(profile: CpuProfile): CpuProfile {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]))
  const parent = new Map<number, number>()
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id)
  const serving = new Set<number>()
  for (const n of profile.nodes) if (/^parserOn(HeadersComplete|Incoming)$/.test(n.callFrame.functionName)) serving.add(n.id)
  const inRequest = (id: number): boolean => {
    for (let cur: number | undefined = id; cur !== undefined; cur = parent.get(cur)) if (serving.has(cur)) return true
    return false
  }
  const first = profile.samples.findIndex((id) => byId.has(id) && inRequest(id))
  if (first <= 0) return profile
  return { ...profile, samples: profile.samples.slice(first), timeDeltas: profile.timeDeltas.slice(first) }
}

/** The SVG text of a flame graph of `profile`, `width` pixels wide. */
export function renderFlamegraph(profile: CpuProfile, { title, width = 1200, minFraction = 0.0015, maxDepth = 36 }: { title: string; width?: number; minFraction?: number; maxDepth?: number }): string {
  const root = tree(profile)
  const boxes: Array<{ n: TreeNode; x: number; y: number; w: number }> = []
  let depth = 0
  const place = (n: TreeNode, x: number, d: number): void => {
    const w = (n.total / root.total) * width
    if (n.total / root.total < minFraction || d > maxDepth) return
    depth = Math.max(depth, d)
    boxes.push({ n, x, y: d, w })
    let cx = x
    for (const k of [...n.kids].sort((a, b) => b.total - a.total)) {
      place(k, cx, d + 1)
      cx += (k.total / root.total) * width
    }
  }
  place(root, 0, 0)
  const top = 44
  const legendY = top + (depth + 1) * ROW + 12
  const used = [...new Set(boxes.map((b) => categoryOf(b.n.callFrame)))]
  const height = legendY + Math.ceil(used.length / 6) * 18 + 10
  const out = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" font-family="monospace" font-size="${FONT}">`,
    `<rect width="100%" height="100%" fill="#ffffff"/>`,
    `<text x="4" y="18" font-size="14" font-family="sans-serif">${esc(title)}</text>`,
    `<text x="4" y="34" font-family="sans-serif" fill="#555">${(root.total / 1000).toFixed(0)} ms of main-thread time sampled (idle left out); width = share of that time; hover for figures</text>`
  ]
  for (const b of boxes) {
    const f = b.n.callFrame
    const pct = ((100 * b.n.total) / root.total).toFixed(2)
    const name = b.y === 0 ? 'all (main thread, not idle)' : label(f)
    const fit = Math.floor((b.w - 4) / CHAR_PX)
    const text = fit >= 4 ? (name.length > fit ? `${name.slice(0, fit - 1)}…` : name) : ''
    out.push(`<g><title>${esc(name)} — ${pct}% (${(b.n.total / 1000).toFixed(1)} ms, self ${(b.n.self / 1000).toFixed(1)} ms)</title>` +
      `<rect x="${b.x.toFixed(2)}" y="${top + b.y * ROW}" width="${Math.max(0.5, b.w - 0.5).toFixed(2)}" height="${ROW - 1}" fill="${COLORS[categoryOf(f)] ?? '#d9d9d9'}"/>` +
      (text ? `<text x="${(b.x + 2).toFixed(2)}" y="${top + b.y * ROW + 12}">${esc(text)}</text>` : '') + '</g>')
  }
  used.forEach((c, i) => {
    const x = 4 + (i % 6) * 195
    const y = legendY + Math.floor(i / 6) * 18
    out.push(`<rect x="${x}" y="${y}" width="12" height="12" fill="${COLORS[c] ?? '#d9d9d9'}"/><text x="${x + 16}" y="${y + 10}" font-family="sans-serif">${esc(c)}</text>`)
  })
  out.push('</svg>')
  return out.join('\n')
}

/** Self time by category and the top functions by self time, as shares of the non-idle time. */
export function breakdown(profile: CpuProfile, top = 15): Breakdown {
  const root = tree(profile)
  const byCat = new Map<string, number>()
  const byFn = new Map<string, { cat: string; t: number }>()
  const walk = (n: TreeNode): void => {
    if (n.self > 0) {
      const c = categoryOf(n.callFrame)
      byCat.set(c, (byCat.get(c) ?? 0) + n.self)
      const k = label(n.callFrame)
      byFn.set(k, { cat: c, t: (byFn.get(k)?.t ?? 0) + n.self })
    }
    for (const k of n.kids) walk(k)
  }
  walk(root)
  const share = (t: number): number => Math.round((1000 * t) / root.total) / 10
  return {
    sampledMs: Math.round(root.total / 1000),
    categories: [...byCat].sort((a, b) => b[1] - a[1]).map(([category, t]) => ({ category, pct: share(t) })).filter((c) => c.pct > 0),
    functions: [...byFn].sort((a, b) => b[1].t - a[1].t).slice(0, top).map(([fn, v]) => ({ fn, category: v.cat, pct: share(v.t) }))
  }
}
