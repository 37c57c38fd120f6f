import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { SETTINGS_FILE, loadSettings, resolveSettings, saveSettings } from '@swarmkv/cli'

describe('role and read-only kept in the data dir', () => {
  it('a flag given wins; without one the persisted value holds; with neither the default', () => {
    expect(resolveSettings({}, undefined)).toEqual({ role: 'master', readOnly: false })
    expect(resolveSettings({}, { role: 'replica', readOnly: true })).toEqual({ role: 'replica', readOnly: true })
    expect(resolveSettings({ role: 'master' }, { role: 'replica', readOnly: true })).toEqual({ role: 'master', readOnly: true })
    expect(resolveSettings({ readOnly: false }, { role: 'replica', readOnly: true })).toEqual({ role: 'replica', readOnly: false })
  })

  it('saves and loads them; refuses a damaged file rather than guessing', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'swarmkv-settings-'))
    try {
      expect(await loadSettings(dir)).toBeUndefined()
      await saveSettings(dir, { role: 'replica', readOnly: true })
      expect(await loadSettings(dir)).toEqual({ role: 'replica', readOnly: true })
      await writeFile(join(dir, SETTINGS_FILE), '{"role":"boss"}')
      await expect(loadSettings(dir)).rejects.toThrow(/role must be master or replica/)
    } finally {
      await rm(dir, { recursive: true, force: true })
    }
  })
})
