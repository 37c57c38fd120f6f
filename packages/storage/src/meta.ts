import * as c from 'compact-encoding'
import { vvEncoding, type Encoding } from '@swarmkv/core'
import type { NodeMeta } from './store.js'

/** Format 1 had no floor (nothing was compacted then). */
const FORMAT = 2

export const metaEncoding: Encoding<NodeMeta> = {
  preencode(state, m) {
    c.uint.preencode(state, FORMAT)
    c.uint.preencode(state, m.seq)
    vvEncoding.preencode(state, m.applied)
    vvEncoding.preencode(state, m.floor)
  },
  encode(state, m) {
    c.uint.encode(state, FORMAT)
    c.uint.encode(state, m.seq)
    vvEncoding.encode(state, m.applied)
    vvEncoding.encode(state, m.floor)
  },
  decode(state) {
    const format = c.uint.decode(state)
    if (format !== 1 && format !== FORMAT) throw new Error(`unsupported meta format ${format}`)
    const seq = c.uint.decode(state)
    const applied = vvEncoding.decode(state)
    return { seq, applied, floor: format === 1 ? {} : vvEncoding.decode(state) }
  }
}

export const EMPTY_META: NodeMeta = { seq: 0, applied: {}, floor: {} }
