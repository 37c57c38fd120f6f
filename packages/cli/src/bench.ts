import { spawn } from 'node:child_process'
import { existsSync } from 'node:fs'
import { resolve } from 'node:path'
import { fileURLToPath } from 'node:url'

/** `swarmkv bench` runs the repository's benchmark runner (benchmarks/dist/run.js, built from benchmarks/src by tsc -b) with the same arguments. */
export async function benchCommand(argv: string[]): Promise<number> {
  const runner = resolve(fileURLToPath(import.meta.url), '../../../../benchmarks/dist/run.js')
  if (!existsSync(runner)) {
    process.stderr.write(`benchmarks are run from a checkout of the repository; ${runner} is missing (run \`pnpm build\` first)\n`)
    return 1
  }
  const child = spawn(process.execPath, [runner, ...argv], { stdio: 'inherit' })
  return new Promise((r) => child.on('exit', (code) => r(code ?? 1)))
}
