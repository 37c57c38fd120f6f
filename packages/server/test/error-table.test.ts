import { readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import { ErrorCode } from '@swarmkv/core'
import { STATUS_OF } from '@swarmkv/server'

const DOC = fileURLToPath(new URL('../../../docs/HTTP-API.md', import.meta.url))

/** The rows of the "Error codes" table: each code named in the first column, with its status. */
function documentedStatuses(): Map<string, number> {
  const text = readFileSync(DOC, 'utf8')
  const section = text.slice(text.indexOf('## Error codes'))
  const out = new Map<string, number>()
  for (const line of section.split('\n')) {
    const m = /^\|\s*(`[A-Z_]+`(?:\s*\/\s*`[A-Z_]+`)*)\s*\|\s*(\d{3})\s*\|/.exec(line)
    if (m === null) continue
    for (const code of m[1]!.matchAll(/`([A-Z_]+)`/g)) out.set(code[1]!, Number(m[2]))
  }
  return out
}

describe('docs/HTTP-API.md error table', () => {
  it('lists every error code with the status the server answers, and nothing else', () => {
    const documented = documentedStatuses()
    const inCode = new Map(Object.entries(STATUS_OF))
    expect(new Set(inCode.keys())).toEqual(new Set(Object.values(ErrorCode)))
    expect(documented).toEqual(inCode)
  })
})
