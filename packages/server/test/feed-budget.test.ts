import { describe, expect, it } from 'vitest'
import { FeedBudget } from '../src/feed/feed-budget.js'

describe('FeedBudget', () => {
  it('sums what each watcher holds now, and names the one holding the most once over', () => {
    const b = new FeedBudget<string>(1000)
    expect(b.hold('a', 400)).toBeUndefined()
    expect(b.hold('b', 500)).toBeUndefined()
    expect(b.hold('a', 300)).toBeUndefined() // a drained a little: replaced, not added
    expect(b.bytes).toBe(800)
    // c's burst takes the total over: b holds the most and is the one to go.
    expect(b.hold('c', 250)).toBe('b')
    b.release('b')
    expect(b.bytes).toBe(550)
    expect(b.hold('c', 700)).toBeUndefined() // exactly at the budget is within it
    expect(b.hold('c', 701)).toBe('c')
    b.release('c')
    b.release('c') // twice is harmless
    expect(b.bytes).toBe(300)
  })
})
