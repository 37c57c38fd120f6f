import { describe, expect, it } from 'vitest'
import { History } from '../src/browser/history.js'

describe('History', () => {
  it('aligns series on one time axis, null before a series appeared and after it stopped', () => {
    const h = new History(10_000)
    h.push(1000, new Map([['a', 1]]))
    h.push(2000, new Map([['a', 2], ['b', 5]]))
    h.push(3000, new Map([['b', 6]]))
    expect(h.names()).toEqual(['a', 'b'])
    expect(h.data(['a', 'b'])).toEqual([[1, 2, 3], [1, 2, null], [null, 5, 6]])
  })

  it('keeps only the window, and drops a series once it has left the window', () => {
    const h = new History(2000)
    h.push(1000, new Map([['a', 1], ['b', 1]]))
    h.push(2000, new Map([['b', 2]]))
    h.push(3000, new Map([['b', 3]]))
    h.push(4000, new Map([['b', 4]]))
    expect(h.length).toBe(3)
    expect(h.names()).toEqual(['b'])
    expect(h.data(['b'])).toEqual([[2, 3, 4], [2, 3, 4]])
  })

  it('keeps unknown values as gaps', () => {
    const h = new History()
    h.push(1000, new Map([['a', null], ['b', 1]]))
    h.push(2000, new Map([['a', 3], ['b', 1]]))
    expect(h.data(['a'])).toEqual([[1, 2], [null, 3]])
  })
})
