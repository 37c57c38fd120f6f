import { readFileSync, readdirSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'

/**
 * The layers of packages/storage/src, lowest first. A file may import only files of lower layers
 * (type imports included): an orchestrator sits above what it orchestrates, never imported back.
 * madge (the unit tier) fails on cycles; this fails on an upside-down import even without one.
 */
const LAYERS: readonly (readonly string[])[] = [
  // Foundations: the store port, encodings, small self-contained pieces.
  ['store', 'layout', 'log-segment', 'lru', 'encoded-cache', 'failpoints', 'digest', 'dot-waiters', 'preconditions', 'tombstones'],
  // Public types, the marker's encoding, document entries, the materialised key states, listing.
  ['types', 'meta', 'doc-entry', 'key-states', 'listing'],
  // The log files: a record's framing and the per-origin index; the file set; moving a LevelDB log into it.
  ['log-record', 'log-index'],
  ['log-files'],
  ['log-migration'],
  // Store implementations; jobs (requests to the writer); the documents as reads see them.
  ['level-store', 'memory-store', 'jobs', 'documents'],
  // A batch, the queue, checkpoints, replay.
  ['batch', 'job-queue', 'checkpoint', 'recovery'],
  // What merges into a batch; a pending batch (open or in flight) and its pinned base; when a batch may wait.
  ['appliers', 'pending-batch', 'deferral'],
  // What reads see of the pending batches before their commit.
  ['early-view'],
  // The open and in-flight batch; register reads (early view, key states, store).
  ['pending-batches', 'register-reads'],
  // A commit: its store write, landing or failure.
  ['commit'],
  // Group commit: the writer's loop.
  ['group-commit'],
  // The parts wired together, the facade, then the package's public surface.
  ['engine-parts'],
  ['engine'],
  ['index']
]

const SRC = fileURLToPath(new URL('../src/', import.meta.url))

function layerOf(name: string): number {
  return LAYERS.findIndex((l) => l.includes(name))
}

function importsOf(file: string): string[] {
  const text = readFileSync(join(SRC, file), 'utf8')
  return [...text.matchAll(/from '\.\/([a-z0-9-]+)\.js'/g)].map((m) => m[1]!)
}

describe('the import graph of packages/storage/src', () => {
  const files = readdirSync(SRC).filter((f) => f.endsWith('.ts')).map((f) => f.slice(0, -3))

  it('places every file in a layer', () => {
    expect(files.filter((f) => layerOf(f) < 0)).toEqual([])
  })

  it('has no file importing one of its own layer or a higher one', () => {
    const upward: string[] = []
    for (const f of files) {
      for (const dep of importsOf(`${f}.ts`)) {
        if (layerOf(dep) >= layerOf(f)) upward.push(`${f} (layer ${layerOf(f)}) imports ${dep} (layer ${layerOf(dep)})`)
      }
    }
    expect(upward).toEqual([])
  })

  it('would catch an upside-down import (the check itself)', () => {
    expect(importsOf('engine-parts.ts')).toContain('group-commit')
    expect(importsOf('group-commit.ts')).toContain('commit')
    expect(layerOf('group-commit')).toBeLessThan(layerOf('engine'))
    expect(layerOf('commit')).toBeLessThan(layerOf('group-commit'))
    expect(layerOf('pending-batches')).toBeLessThan(layerOf('commit'))
    expect(layerOf('tombstones')).toBeLessThan(layerOf('appliers'))
  })
})
