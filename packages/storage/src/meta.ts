import * as c from 'compact-encoding'
import { vvEncoding, type Encoding } from '@swarmkv/core'
import type { NodeMeta } from './store.js'

const FORMAT = 1

export const metaEncoding: Encoding<NodeMeta> = {
  preencode(state, m) { c.uint.preencode(state, FORMAT); c.uint.preencode(state, m.seq); vvEncoding.preencode(state, m.applied) },
  encode(state, m) { c.uint.encode(state, FORMAT); c.uint.encode(state, m.seq); vvEncoding.encode(state, m.applied) },
  decode(state) {
    const format = c.uint.decode(state)
    if (format !== FORMAT) throw new Error(`unsupported meta format ${format}`)
    return { seq: c.uint.decode(state), applied: vvEncoding.decode(state) }
  }
}

export const EMPTY_META: NodeMeta = { seq: 0, applied: {} }
