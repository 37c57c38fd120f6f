import { readFile, rename, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import type { NodeControl, Role } from '@swarmkv/server'

/** The file in the data dir that keeps the node's role and read-only switch across restarts. */
export const SETTINGS_FILE = 'node-settings.json'

export interface NodeSettings {
  readonly role: Role
  readonly readOnly: boolean
}

/** What the start flags asked for; undefined where no flag was given. */
export interface SettingsFlags {
  readonly role?: Role | undefined
  readonly readOnly?: boolean | undefined
}

export const DEFAULT_SETTINGS: NodeSettings = { role: 'master', readOnly: false }

/**
 * How a start flag and the persisted value combine (docs/OPERATIONS.md): a flag given wins (and
 * is persisted at start); without the flag the persisted value holds; with neither, the default.
 * The role and the read-only switch are judged apart.
 */
export function resolveSettings(flags: SettingsFlags, persisted: Partial<NodeSettings> | undefined): NodeSettings {
  return {
    role: flags.role ?? persisted?.role ?? DEFAULT_SETTINGS.role,
    readOnly: flags.readOnly ?? persisted?.readOnly ?? DEFAULT_SETTINGS.readOnly
  }
}

/** The persisted settings, or undefined when the data dir has none (a new node, or one older than the file). */
export async function loadSettings(dataDir: string): Promise<Partial<NodeSettings> | undefined> {
  let text: string
  try {
    text = await readFile(join(dataDir, SETTINGS_FILE), 'utf8')
  } catch (e) {
    if ((e as { code?: unknown }).code === 'ENOENT') return undefined
    throw e
  }
  const v = JSON.parse(text) as Record<string, unknown>
  const out: { role?: Role; readOnly?: boolean } = {}
  if (v.role === 'master' || v.role === 'replica') out.role = v.role
  else if (v.role !== undefined) throw new Error(`${SETTINGS_FILE}: role must be master or replica, got ${JSON.stringify(v.role)}`)
  if (typeof v.readOnly === 'boolean') out.readOnly = v.readOnly
  else if (v.readOnly !== undefined) throw new Error(`${SETTINGS_FILE}: readOnly must be true or false`)
  return out
}

/** Writes the settings atomically (a crash leaves the old file or the new one, never half of one). */
export async function saveSettings(dataDir: string, c: NodeControl): Promise<void> {
  const path = join(dataDir, SETTINGS_FILE)
  const tmp = `${path}.tmp`
  await writeFile(tmp, JSON.stringify({ role: c.role, readOnly: c.readOnly }) + '\n')
  await rename(tmp, path)
}
