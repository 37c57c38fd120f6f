import { describe, expect, it } from 'vitest'
import { readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { CodecError, decode, encode, opEncoding, registerStateEncoding, parseVV, formatVV, parseDot, vvEncoding, vvEntries, type Op, type NodeId, type VersionVector } from '@swarmkv/core'

const A = '0123456789abcdef' as NodeId
const op: Op = {
  kind: 'reg', origin: A, seq: 7, hlc: { wall: 1700000000000, counter: 3 }, key: 'users/ä 1',
  write: {
    context: { [A]: 6 },
    sibling: { origin: A, seq: 7, hlc: { wall: 1700000000000, counter: 3 }, value: new Uint8Array([1, 2, 255]), contentType: 'application/octet-stream', deleted: false }
  }
}

const fixtures = JSON.parse(readFileSync(fileURLToPath(new URL('./fixtures/golden.json', import.meta.url)), 'utf8')) as Record<string, string>

describe('codec', () => {
  it('round-trips an op and matches the golden encoding', () => {
    const bytes = encode(opEncoding, op)
    expect(Buffer.from(bytes).toString('hex')).toBe(fixtures['regOpV1'])
    expect(decode(opEncoding, bytes)).toEqual(op)
  })

  it('round-trips a register state', () => {
    const state = { siblings: [op.kind === 'reg' ? op.write.sibling : undefined!], context: { [A]: 7 } }
    expect(decode(registerStateEncoding, encode(registerStateEncoding, state))).toEqual(state)
  })

  it('rejects truncated, trailing and garbage bytes with CodecError', () => {
    const bytes = encode(opEncoding, op)
    expect(() => decode(opEncoding, bytes.subarray(0, bytes.length - 2))).toThrow(CodecError)
    expect(() => decode(opEncoding, new Uint8Array([...bytes, 0]))).toThrow(CodecError)
    expect(() => decode(opEncoding, new Uint8Array([9, 9, 9]))).toThrow(CodecError)
  })

  it('parses and formats context headers and tokens', () => {
    expect(formatVV(parseVV(`${A}:3`)!)).toBe(`${A}:3`)
    expect(parseVV('garbage')).toBeUndefined()
    expect(parseVV(`${A}:0`)).toBeUndefined()
    expect(parseDot(`${A}:12`)).toEqual({ origin: A, seq: 12 })
    expect(parseDot(`${A}:-1`)).toBeUndefined()
  })

  it('encodes any vector in origin order, zeros dropped, and round-trips every node id', () => {
    // Against the plain definition, on random vectors of random (lowercase hex) ids.
    let seed = 42
    const rnd = (n: number) => { seed = (seed * 1103515245 + 12345) % 2 ** 31; return seed % n }
    const randomId = () => Array.from({ length: 16 }, () => '0123456789abcdef'[rnd(16)]).join('') as NodeId
    for (let i = 0; i < 300; i++) {
      const v: Record<string, number> = {}
      for (let j = rnd(9); j > 0; j--) v[randomId()] = rnd(4) === 0 ? 0 : 1 + rnd(1e9)
      const expected = Object.entries(v).filter(([, s]) => s > 0).sort(([a], [b]) => (a < b ? -1 : 1))
      expect(vvEntries(v as VersionVector)).toEqual(expected)
      expect(formatVV(v as VersionVector)).toBe(expected.map(([k, s]) => `${k}:${s}`).join(','))
      expect(decode(vvEncoding, encode(vvEncoding, v as VersionVector))).toEqual(Object.fromEntries(expected))
    }
  })
})
