import { readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import { CodecError, decode, encode, type Encoding } from '@swarmkv/core'
import {
  MAX_MESSAGE_BYTES, MODE_VERSION, VERSIONS, ackEncoding, authEncoding, chooseVersion, helloEncoding, modeMessageEncoding, opsEncoding, roleMessageEncoding
} from '@swarmkv/replication'
import { messages } from './wire-fixtures.js'

const golden = JSON.parse(readFileSync(fileURLToPath(new URL('./fixtures/wire-v1.json', import.meta.url)), 'utf8')) as Record<string, string>
const encodings: Record<keyof typeof messages, Encoding<never>> = {
  auth: authEncoding as Encoding<never>, hello: helloEncoding as Encoding<never>, ops: opsEncoding as Encoding<never>,
  ack: ackEncoding as Encoding<never>, role: roleMessageEncoding as Encoding<never>
}

describe('wire format v1', () => {
  for (const name of Object.keys(messages) as Array<keyof typeof messages>) {
    it(`${name}: encodes to the golden bytes and decodes back`, () => {
      const enc = encodings[name] as Encoding<unknown>
      const bytes = encode(enc, messages[name])
      expect(Buffer.from(bytes).toString('hex')).toBe(golden[name])
      const decoded = decode(enc, Buffer.from(golden[name]!, 'hex'))
      expect(Buffer.from(encode(enc, decoded)).toString('hex')).toBe(golden[name])
      if (name !== 'auth') expect(decoded).toEqual(messages[name])
    })
  }

  it('rejects truncated, padded and garbage messages with CodecError', () => {
    for (const name of Object.keys(messages) as Array<keyof typeof messages>) {
      const enc = encodings[name] as Encoding<unknown>
      const bytes = Buffer.from(golden[name]!, 'hex')
      expect(() => decode(enc, bytes.subarray(0, bytes.length - 1)), name).toThrow(CodecError)
      expect(() => decode(enc, Buffer.concat([bytes, Buffer.from([0])])), name).toThrow(CodecError)
    }
    expect(() => decode(opsEncoding, Buffer.from([0]))).toThrow(CodecError) // an empty batch
    expect(() => decode(helloEncoding, Buffer.from([1, 1, 0xff, 0xff]))).toThrow(CodecError)
    expect(() => decode(roleMessageEncoding, Buffer.from([9]))).toThrow(CodecError)
  })

  it('refuses an oversized message before decoding it', () => {
    expect(() => decode(opsEncoding, new Uint8Array(MAX_MESSAGE_BYTES + 1))).toThrow(/too large/)
  })

  it('negotiates the highest common version', () => {
    expect(chooseVersion([1, 2, 3], [2, 3, 4])).toBe(3)
    expect(chooseVersion([1], [2])).toBeUndefined()
  })
})

describe('wire format v2 (adds the mode message; every v1 message is unchanged, above)', () => {
  const golden2 = JSON.parse(readFileSync(fileURLToPath(new URL('./fixtures/wire-v2.json', import.meta.url)), 'utf8')) as Record<string, string>
  const cases = { mode: { role: 'master', readOnly: true }, modeWritableReplica: { role: 'replica', readOnly: false } } as const

  for (const [name, m] of Object.entries(cases)) {
    it(`${name}: encodes to the golden bytes and decodes back`, () => {
      expect(Buffer.from(encode(modeMessageEncoding, m)).toString('hex')).toBe(golden2[name])
      expect(decode(modeMessageEncoding, Buffer.from(golden2[name]!, 'hex'))).toEqual(m)
    })
  }

  it('refuses a bad flag, a bad role and trailing bytes', () => {
    expect(() => decode(modeMessageEncoding, Buffer.from([0, 2]))).toThrow(CodecError)
    expect(() => decode(modeMessageEncoding, Buffer.from([7, 0]))).toThrow(CodecError)
    expect(() => decode(modeMessageEncoding, Buffer.from([0, 0, 0]))).toThrow(CodecError)
  })

  it('a v2 node offers v1 too, so it still talks to v1 peers', () => {
    expect(VERSIONS).toEqual([1, 2])
    expect(chooseVersion(VERSIONS, [1])).toBe(1)
    expect(chooseVersion(VERSIONS, [1, 2])).toBe(MODE_VERSION)
  })
})
