import { docToJson, formatDot, type Op, type RegisterState } from '@swarmkv/core'
import type { Engine } from '@swarmkv/storage'
import type { ChangeEventData } from '@swarmkv/client/schemas'

const utf8 = new TextDecoder('utf-8', { fatal: true })

function text(bytes: Uint8Array): string | undefined {
  try {
    return utf8.decode(bytes)
  } catch {
    return undefined
  }
}

function liveSiblings(s: RegisterState | undefined): number {
  return s === undefined ? 0 : s.siblings.filter((x) => !x.deleted).length
}

/**
 * What a `change` event says of one op. A register op carries the value it wrote (a change
 * feed reports changes; the winner may be another sibling, which `siblings` > 1 tells). A
 * document op carries the document as this node has it when the event is sent: Automerge
 * changes are not JSON, and a replayed change's document of that moment is not kept.
 */
export async function changeEvent(engine: Engine, op: Op): Promise<ChangeEventData> {
  const token = formatDot(op)
  if (op.kind === 'reg') {
    const s = op.write.sibling
    const siblings = liveSiblings(engine.get(op.key))
    if (s.deleted) return { key: op.key, kind: 'kv', token, deleted: true, siblings }
    const t = text(s.value)
    return {
      key: op.key, kind: 'kv', token, deleted: false, siblings, contentType: s.contentType,
      encoding: t === undefined ? 'base64' : 'utf8', value: t ?? Buffer.from(s.value).toString('base64')
    }
  }
  const json = await engine.readDoc(op.key, (d) => (d === undefined ? undefined : docToJson(d)))
  return { key: op.key, kind: 'doc', token, deleted: json === undefined, siblings: json === undefined ? 0 : 1, value: json ?? null }
}

/** Whether an op's key is one the watcher asked for. */
export function matches(op: Op, prefix: string): boolean {
  return op.key.startsWith(prefix)
}
