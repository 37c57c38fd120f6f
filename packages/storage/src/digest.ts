import { createHash } from 'node:crypto'

/**
 * SHA-256 over every document (its sorted heads) and every register state (its canonical bytes),
 * each in key order, each framed by kind and lengths: equal digests mean identical states.
 */
export async function digestOf(
  docKeys: AsyncIterable<string>, headsOf: (key: string) => Promise<readonly string[]>,
  registers: AsyncIterable<readonly [string, Uint8Array]>
): Promise<{ digest: string; keys: number }> {
  const h = createHash('sha256')
  let keys = 0
  const add = (kind: string, key: string, bytes: Uint8Array) => {
    const k = Buffer.from(key, 'utf8')
    const head = Buffer.alloc(9)
    head.write(kind, 0)
    head.writeUInt32BE(k.length, 1)
    head.writeUInt32BE(bytes.length, 5)
    h.update(head).update(k).update(bytes)
    keys++
  }
  for await (const key of docKeys) add('d', key, Buffer.from((await headsOf(key)).join(','), 'utf8'))
  for await (const [key, bytes] of registers) add('r', key, bytes)
  return { digest: h.digest('hex'), keys }
}
