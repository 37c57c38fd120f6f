import { randomBytes } from 'node:crypto'
import { mkdir, readFile, writeFile, rename } from 'node:fs/promises'
import { join } from 'node:path'
import DHT, { type KeyPair } from 'hyperdht'
import { nodeIdFromPublicKey, type NodeId } from '@swarmkv/core'

export interface Identity {
  readonly keyPair: KeyPair
  readonly nodeId: NodeId
}

const SEED_FILE = 'node.seed'

export function identityFromSeed(seed: Uint8Array): Identity {
  const keyPair = DHT.keyPair(seed)
  return { keyPair, nodeId: nodeIdFromPublicKey(keyPair.publicKey) }
}

/**
 * The node's key pair, stable across restarts: derived from a 32-byte seed kept in the data dir
 * (created on first start, written atomically).
 */
export async function loadIdentity(dataDir: string): Promise<Identity> {
  await mkdir(dataDir, { recursive: true })
  const file = join(dataDir, SEED_FILE)
  let seed: Buffer
  try {
    seed = Buffer.from((await readFile(file, 'utf8')).trim(), 'hex')
    if (seed.length !== 32) throw new Error(`${file} does not hold a 32-byte hex seed`)
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err
    seed = randomBytes(32)
    await writeFile(`${file}.tmp`, seed.toString('hex') + '\n', { mode: 0o600 })
    await rename(`${file}.tmp`, file)
  }
  return identityFromSeed(seed)
}
