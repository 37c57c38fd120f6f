import { readdirSync, readFileSync, statSync } from 'node:fs'
import { join, relative, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import ts from 'typescript'
import { describe, expect, it } from 'vitest'

/**
 * Time is read and timers are set only through the Scheduler port (core/scheduler.ts, DESIGN §1):
 * a source file under packages/STAR/src that calls setTimeout or setInterval, reads Date.now,
 * performance.now, process.hrtime or `new Date()`, or imports node:timers, fails this test
 * unless it is allowed below, with its reason. Found by parsing (the TypeScript AST), so a comment
 * or a method named setTimeout (scheduler.setTimeout, SimScheduler's own) does not count.
 */
const ROOT = resolve(fileURLToPath(import.meta.url), '../../../..')

/** Files (or folders, ending in '/') that may touch the clock directly, and why. */
const ALLOWED: Record<string, string> = {
  'packages/core/src/scheduler.ts': 'the port itself: realScheduler and foregroundScheduler are the only real clocks',
  'packages/ui/src/browser/': 'the dashboard bundle runs in a browser page, built apart (tsconfig.browser.json) from the node packages; it polls on the page\'s own timers',
}

const TIMER_CALLS = new Set(['setTimeout', 'setInterval'])
const CLOCK_READS = new Set(['Date.now', 'performance.now', 'process.hrtime', 'process.hrtime.bigint', 'globalThis.setTimeout', 'globalThis.setInterval'])
/** The last names of CLOCK_READS: only these property accesses are looked at closer. */
const WATCHED_NAMES = new Set([...CLOCK_READS].map((r) => r.slice(r.lastIndexOf('.') + 1)))
const TIMER_MODULES = new Set(['timers', 'node:timers', 'timers/promises', 'node:timers/promises'])

interface Finding { readonly file: string; readonly line: number; readonly what: string }

/** Every direct use of the clock or of timers in one source text. */
export function findClockUses(file: string, text: string): Finding[] {
  const source = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, false, ts.ScriptKind.TS)
  const out: Finding[] = []
  const at = (node: ts.Node, what: string) => out.push({ file, line: source.getLineAndCharacterOfPosition(node.getStart(source)).line + 1, what })
  const visit = (node: ts.Node): void => {
    if (ts.isCallExpression(node) && ts.isIdentifier(node.expression) && TIMER_CALLS.has(node.expression.text)) at(node, `${node.expression.text}()`)
    if (ts.isPropertyAccessExpression(node) && WATCHED_NAMES.has(node.name.text) && CLOCK_READS.has(node.getText(source).replace(/\s+/g, ''))) at(node, node.getText(source))
    if (ts.isNewExpression(node) && ts.isIdentifier(node.expression) && node.expression.text === 'Date' && (node.arguments?.length ?? 0) === 0) at(node, 'new Date()')
    if (ts.isImportDeclaration(node) && ts.isStringLiteral(node.moduleSpecifier) && TIMER_MODULES.has(node.moduleSpecifier.text)) at(node, `import '${node.moduleSpecifier.text}'`)
    ts.forEachChild(node, visit)
  }
  visit(source)
  return out
}

function sourceFiles(dir: string): string[] {
  const out: string[] = []
  for (const name of readdirSync(dir)) {
    const p = join(dir, name)
    if (statSync(p).isDirectory()) out.push(...sourceFiles(p))
    else if (/\.(ts|tsx|mts|js|mjs)$/.test(name) && !name.endsWith('.d.ts')) out.push(p)
  }
  return out
}

const allowed = (file: string) => Object.keys(ALLOWED).some((a) => (a.endsWith('/') ? file.startsWith(a) : file === a))

describe('time goes through the Scheduler port', () => {
  it('finds what it looks for, and nothing in comments, strings or scheduler methods', () => {
    const text = [
      '// setTimeout(x, 1) and Date.now() in a comment',
      'const s = "setInterval(f, 5)"',
      'scheduler.setTimeout(() => undefined, 5)',
      'class Sim { setTimeout(fn: () => void, ms: number) { return { cancel() {} } } now() { return 0 } }',
      'const t = setTimeout(() => undefined, 5)',
      'setInterval(tick, 1000)',
      'const a = Date.now()',
      'const clock = opts.now ?? Date.now',
      'const b = performance.now()',
      'const c = process.hrtime.bigint()',
      'const d = new Date()',
      'const e = new Date(0)',
      "import { setTimeout as sleep } from 'node:timers/promises'"
    ].join('\n')
    expect(findClockUses('x.ts', text).map((f) => `${f.line} ${f.what}`)).toEqual([
      '5 setTimeout()', '6 setInterval()', '7 Date.now', '8 Date.now', '9 performance.now', '10 process.hrtime.bigint', '10 process.hrtime', '11 new Date()', "13 import 'node:timers/promises'"
    ])
  })

  it('no source file outside the allowed list touches the clock or timers directly', () => {
    const files = readdirSync(join(ROOT, 'packages')).flatMap((pkg) => {
      const src = join(ROOT, 'packages', pkg, 'src')
      try { return statSync(src).isDirectory() ? sourceFiles(src) : [] } catch { return [] }
    })
    expect(files.length).toBeGreaterThan(50)
    const found: string[] = []
    const used = new Set<string>()
    for (const abs of files) {
      const file = relative(ROOT, abs).split('\\').join('/')
      const uses = findClockUses(file, readFileSync(abs, 'utf8'))
      if (uses.length === 0) continue
      if (allowed(file)) { used.add(file); continue }
      for (const u of uses) found.push(`${u.file}:${u.line} ${u.what}: take a Scheduler option (default realScheduler) instead`)
    }
    expect(found).toEqual([])
    // An allowance nobody needs any more is removed, so the list stays the list of real exceptions.
    const stale = Object.keys(ALLOWED).filter((a) => a.endsWith('/') ? ![...used].some((f) => f.startsWith(a)) : !used.has(a))
    expect(stale, 'these files no longer touch the clock: remove them from ALLOWED').toEqual([])
  })
})
