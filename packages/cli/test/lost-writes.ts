import { join } from 'node:path'
import { covers, type NodeId, type RegisterOp } from '@swarmkv/core'
import { LevelStore } from '@swarmkv/storage'

/**
 * Opens a stopped node's LevelDB and returns the acknowledged writes that are neither a sibling
 * of their key nor superseded by a write whose context covers them: writes silently lost.
 */
export async function lostWrites(dataDir: string, tokens: readonly string[]): Promise<string[]> {
  const store = new LevelStore(join(dataDir, 'db'))
  await store.open()
  try {
    const meta = await store.readMeta()
    const byToken = new Map<string, RegisterOp>()
    const byKey = new Map<string, RegisterOp[]>()
    for (const origin of Object.keys(meta.applied)) {
      for (const op of await store.readLog(origin as NodeId, 1, 10_000_000)) {
        if (op.kind !== 'reg') continue
        byToken.set(`${op.origin}:${op.seq}`, op)
        const list = byKey.get(op.key)
        if (list === undefined) byKey.set(op.key, [op])
        else list.push(op)
      }
    }
    const lost: string[] = []
    for (const token of tokens) {
      const op = byToken.get(token)
      if (op === undefined) { lost.push(`${token} (not in the log)`); continue }
      const dot = { origin: op.origin, seq: op.seq }
      const superseded = byKey.get(op.key)!.some((o) => o !== op && covers(o.write.context, dot))
      if (superseded) continue
      const [state] = await store.getRegisters([op.key])
      if (!(state?.siblings.some((s) => s.origin === dot.origin && s.seq === dot.seq) ?? false)) lost.push(token)
    }
    return lost
  } finally {
    await store.close()
  }
}
