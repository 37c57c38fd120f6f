import { describe, expect, it } from 'vitest'
import { DEFAULT_RECEIVE_WINDOW, ReceiveWindow } from '../src/receive-window.js'

const MiB = 1024 * 1024

describe('ReceiveWindow', () => {
  it('pauses on bytes when a few ops carry large values, and resumes once under a quarter', () => {
    const w = new ReceiveWindow(8192, 16 * MiB)
    // Messages of one 1 MiB op each: the op count alone would let 8,192 of them (8 GiB) in.
    for (let i = 0; i < 16; i++) expect(w.arrived(1, MiB)).toBe(false)
    expect(w.arrived(1, MiB)).toBe(true)
    expect(w.arrived(1, MiB)).toBe(false) // already paused: no second pause
    expect(w.held).toEqual({ ops: 18, bytes: 18 * MiB })
    // 18 -> 4 MiB held: still at a quarter, not under it.
    for (let i = 0; i < 14; i++) expect(w.settled(1, MiB)).toBe(false)
    expect(w.settled(1, MiB)).toBe(true)
    expect(w.settled(1, MiB)).toBe(false) // already resumed
    expect(w.held).toEqual({ ops: 2, bytes: 2 * MiB })
  })

  it('pauses on the op count when the ops are small', () => {
    const w = new ReceiveWindow(1000, 16 * MiB)
    expect(w.arrived(1000, 100_000)).toBe(false)
    expect(w.arrived(1, 100)).toBe(true)
    expect(w.settled(700, 70_000)).toBe(false) // 301 ops left: above a quarter of 1,000
    expect(w.settled(100, 10_000)).toBe(true)
  })

  it('defaults to 8,192 ops and 16 MiB', () => {
    expect(DEFAULT_RECEIVE_WINDOW).toEqual({ ops: 8192, bytes: 16 * MiB })
    const w = new ReceiveWindow()
    expect(w.arrived(1, 16 * MiB)).toBe(false)
    expect(w.arrived(1, 1)).toBe(true)
  })
})
