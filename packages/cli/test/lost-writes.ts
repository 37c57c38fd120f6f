import { join } from 'node:path'
import { formatDot, winner, type NodeId, type RegisterOp } from '@swarmkv/core'
import { LevelStore } from '@swarmkv/storage'
import { checkLostWrites, type KeyView, type WriteRecord } from '@swarmkv/testkit'

/**
 * Opens a stopped node's LevelDB and runs testkit's lost-write check over it: the writes in its
 * log (each with the exact context it was made with) that are neither a sibling of their key nor
 * superseded by a write whose context covers them. An acknowledged token the log does not hold
 * is reported as lost too.
 */
export async function lostWrites(dataDir: string, tokens: readonly string[]): Promise<string[]> {
  const store = new LevelStore(join(dataDir, 'db'))
  await store.open()
  try {
    const meta = await store.readMeta()
    const logged = new Map<string, RegisterOp>()
    for (const origin of Object.keys(meta.applied)) {
      for (const op of await store.readLog(origin as NodeId, 1, 10_000_000)) if (op.kind === 'reg') logged.set(formatDot(op), op)
    }
    const missing = tokens.filter((t) => !logged.has(t)).map((t) => `${t} (not in the log)`)
    // Every logged write is committed: each must survive, the acknowledged ones among them.
    const writes: WriteRecord[] = [...logged.values()].map((op) => ({
      token: formatDot(op), key: op.key, deleted: op.write.sibling.deleted, context: op.write.context, committed: true
    }))
    const keys = [...new Set(writes.map((w) => w.key))]
    const views = new Map<string, KeyView>()
    const states = await store.getRegisters(keys)
    for (const [i, key] of keys.entries()) {
      const s = states[i]
      if (s === undefined) continue
      const win = winner(s)
      views.set(key, { context: s.context, siblings: s.siblings.map((x) => ({ dot: formatDot(x), deleted: x.deleted })), winner: win === undefined ? undefined : formatDot(win) })
    }
    return [...missing, ...checkLostWrites(writes, new Map([[dataDir, views]])).problems]
  } finally {
    await store.close()
  }
}
