import { describe, expect, it } from 'vitest'
import { breakdown, fromFirstRequest, renderFlamegraph, type CpuProfile } from '../src/lib/flamegraph.js'

// A synthetic V8 CPU profile: root -> main -> {parserOnIncoming -> handler, (garbage collector)},
// plus an idle node. Samples: 1 ms each.
const frame = (functionName: string, url = '') => ({ functionName, url, lineNumber: 0, columnNumber: 0, scriptId: '0' })
const profile: CpuProfile = {
  nodes: [
    { id: 1, callFrame: frame('(root)'), children: [2, 5, 6] },
    { id: 2, callFrame: frame('main', 'file:///x/packages/server/dist/app.js'), children: [3, 7] },
    { id: 3, callFrame: frame('parserOnIncoming', 'node:_http_server'), children: [4] },
    { id: 4, callFrame: frame('runBatch', 'file:///x/packages/storage/dist/engine.js') },
    { id: 5, callFrame: frame('(idle)') },
    { id: 6, callFrame: frame('(garbage collector)') },
    { id: 7, callFrame: frame('Module._load', 'node:internal/modules/cjs/loader') }
  ],
  startTime: 0,
  endTime: 10_000,
  // Two startup samples, then requests: 4 in runBatch, 2 in parserOnIncoming itself, 2 GC, 5 idle.
  samples: [7, 7, 4, 4, 3, 5, 5, 4, 6, 4, 3, 6, 5, 5, 5],
  timeDeltas: Array(15).fill(1000)
}

describe('flame graph of a CPU profile', () => {
  it('starts at the first request, leaves idle out, and shares self time by category', () => {
    const p = fromFirstRequest(profile)
    expect(p.samples).toHaveLength(13)
    const b = breakdown(p)
    expect(b.sampledMs).toBe(8)
    expect(b.categories).toEqual([
      { category: 'swarmkv-storage', pct: 50 },
      { category: 'node-http', pct: 25 },
      { category: 'gc', pct: 25 }
    ])
    expect(b.functions[0]).toEqual({ fn: 'runBatch engine.js:1', category: 'swarmkv-storage', pct: 50 })
  })

  it('draws each frame as wide as its share of the sampled time', () => {
    const svg: string = renderFlamegraph(fromFirstRequest(profile), { title: 't <&>', width: 800 })
    expect(svg).toContain('t &lt;&amp;&gt;')
    const width = (name: string) => Number(new RegExp(`<title>${name}[^<]*</title><rect x="[\\d.]+" y="\\d+" width="([\\d.]+)"`).exec(svg)?.[1])
    // runBatch is half of the 8 ms (400 px, less the half-pixel gap); the idle frame is not drawn.
    expect(width('runBatch engine.js:1')).toBeCloseTo(399.5, 1)
    expect(width('parserOnIncoming')).toBeCloseTo(599.5, 1)
    expect(svg).not.toContain('(idle)')
    expect(svg).not.toContain('Module._load')
  })
})
