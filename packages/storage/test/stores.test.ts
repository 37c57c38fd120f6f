import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { LevelStore, MemoryStore } from '@swarmkv/storage'
import { storeSuite } from './store-suite.js'

storeSuite('MemoryStore', async () => ({ store: new MemoryStore(), cleanup: async () => {} }))

storeSuite('LevelStore', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'swarmkv-store-'))
  return {
    store: new LevelStore(dir),
    reopen: async () => new LevelStore(dir),
    cleanup: () => rm(dir, { recursive: true, force: true })
  }
})
