import { readdir, stat } from 'node:fs/promises'
import type { Dirent } from 'node:fs'
import { join } from 'node:path'

/** Bytes used by the files under `dir` (apparent size), like `du -sb`. */
export async function dirSize(dir: string): Promise<number> {
  let total = 0
  let entries: Dirent[]
  try {
    entries = await readdir(dir, { withFileTypes: true })
  } catch {
    return 0
  }
  for (const e of entries) {
    const p = join(dir, e.name)
    if (e.isDirectory()) total += await dirSize(p)
    else {
      try { total += (await stat(p)).size } catch { /* compacted away meanwhile */ }
    }
  }
  return total
}
