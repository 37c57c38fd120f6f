import { decode, registerStateEncoding, type RegisterState } from '@swarmkv/core'
import type { StoreSnapshot } from '@swarmkv/storage'
import type { StateChunkMessage } from './wire.js'

/** Payload bytes per state-transfer message, about. */
const STATE_CHUNK_BYTES = 512 * 1024
const KEYS_PER_CHUNK = 4096

/**
 * Cuts a consistent snapshot of every key state into state-transfer messages of about 512 KiB:
 * register states first, then documents as stored (snapshot + chunks).
 */
export async function* stateChunks(snap: StoreSnapshot): AsyncGenerator<StateChunkMessage> {
  let registers: Array<readonly [string, RegisterState]> = []
  let docs: Array<StateChunkMessage['docs'][number]> = []
  let bytes = 0
  const full = () => bytes >= STATE_CHUNK_BYTES || registers.length + docs.length >= KEYS_PER_CHUNK
  const take = (): StateChunkMessage => {
    const chunk = { registers, docs }
    registers = []
    docs = []
    bytes = 0
    return chunk
  }
  for await (const [key, state] of snap.registers()) {
    registers.push([key, decode(registerStateEncoding, state)])
    bytes += state.byteLength + key.length
    if (full()) yield take()
  }
  for await (const [key, rec] of snap.docs()) {
    docs.push([key, rec])
    bytes += key.length + (rec.snapshot?.byteLength ?? 0) + rec.chunks.reduce((a, c) => a + c.byteLength, 0)
    if (full()) yield take()
  }
  if (registers.length + docs.length > 0) yield take()
}
