import { describe, expect, it } from 'vitest'
import { evaluatePreconditions, parseTagList, type TagList } from '@swarmkv/core'

const CUR = '"0123456789abcdef"'
const tags = (field: string): TagList => {
  const t = parseTagList(field)
  if (t === undefined) throw new Error(`did not parse: ${field}`)
  return t
}

describe('entity-tag lists (RFC 9110 §8.8.3, §13.1)', () => {
  it('parses *, single and listed tags, weak tags, and any opaque tag characters', () => {
    expect(parseTagList(' * ')).toBe('*')
    expect(parseTagList('"abc"')).toEqual([{ weak: false, opaque: '"abc"' }])
    expect(parseTagList('W/"x", "y" ,, ""')).toEqual([
      { weak: true, opaque: '"x"' }, { weak: false, opaque: '"y"' }, { weak: false, opaque: '""' }
    ])
  })

  it('refuses what is not a tag list', () => {
    for (const bad of ['abc', '"a', 'a"', 'w/"a"', '"a" "b"', '*, "a"', '', ' , ', '"a\\"b"']) expect(parseTagList(bad)).toBeUndefined()
  })
})

describe('evaluatePreconditions (RFC 9110 §13.2.2)', () => {
  it('If-Match compares strongly: a weak tag never matches, a list matches when one tag does', () => {
    expect(evaluatePreconditions({ ifMatch: tags(CUR) }, CUR, false)).toBe('proceed')
    expect(evaluatePreconditions({ ifMatch: tags(`"abc", ${CUR}`) }, CUR, false)).toBe('proceed')
    expect(evaluatePreconditions({ ifMatch: tags(`W/${CUR}`) }, CUR, false)).toBe('failed')
    expect(evaluatePreconditions({ ifMatch: tags('"abc"') }, CUR, false)).toBe('failed')
    expect(evaluatePreconditions({ ifMatch: tags('"abc"') }, CUR, true)).toBe('failed')
  })

  it('If-Match: * holds exactly when there is a current representation', () => {
    expect(evaluatePreconditions({ ifMatch: '*' }, CUR, false)).toBe('proceed')
    expect(evaluatePreconditions({ ifMatch: '*' }, null, false)).toBe('failed')
    expect(evaluatePreconditions({ ifMatch: tags(CUR) }, null, false)).toBe('failed')
  })

  it('If-None-Match compares weakly: a match is 304 for GET/HEAD and 412 otherwise', () => {
    expect(evaluatePreconditions({ ifNoneMatch: tags(`W/${CUR}`) }, CUR, true)).toBe('not-modified')
    expect(evaluatePreconditions({ ifNoneMatch: tags(`"a", ${CUR}`) }, CUR, true)).toBe('not-modified')
    expect(evaluatePreconditions({ ifNoneMatch: tags(CUR) }, CUR, false)).toBe('failed')
    expect(evaluatePreconditions({ ifNoneMatch: tags('"a"') }, CUR, true)).toBe('proceed')
    expect(evaluatePreconditions({ ifNoneMatch: '*' }, CUR, false)).toBe('failed')
    expect(evaluatePreconditions({ ifNoneMatch: '*' }, null, false)).toBe('proceed')
    expect(evaluatePreconditions({ ifNoneMatch: '*' }, null, true)).toBe('proceed')
  })

  it('judges If-Match before If-None-Match', () => {
    expect(evaluatePreconditions({ ifMatch: tags('"a"'), ifNoneMatch: tags('"b"') }, CUR, true)).toBe('failed')
    expect(evaluatePreconditions({ ifMatch: tags(CUR), ifNoneMatch: tags(CUR) }, CUR, true)).toBe('not-modified')
    expect(evaluatePreconditions(undefined, null, false)).toBe('proceed')
  })
})
