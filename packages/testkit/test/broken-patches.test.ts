import { execFileSync } from 'node:child_process'
import { readdirSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'

const root = fileURLToPath(new URL('../../..', import.meta.url))
const patches = readdirSync(`${root}/faults/broken`).filter((f) => f.endsWith('.patch'))

/**
 * faults/broken.sh applies each patch to a worktree of HEAD to show the checkers catch the break
 * (docs/FAULTS.md). A refactor that moves the code a patch touches makes it stale silently; this
 * fails instead, naming the patch to regenerate.
 */
describe('the deliberately broken builds of the fault suite', () => {
  it('has patches', () => { expect(patches.length).toBeGreaterThan(0) })
  for (const p of patches) {
    it(`${p} still applies to this tree`, () => {
      expect(() => execFileSync('git', ['apply', '--check', `faults/broken/${p}`], { cwd: root, stdio: 'pipe' })).not.toThrow()
    })
  }
})
