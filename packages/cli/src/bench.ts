import { spawn } from 'node:child_process'
import { existsSync } from 'node:fs'
import { resolve } from 'node:path'
import { fileURLToPath } from 'node:url'

/** `swarmkv bench` runs the repository's benchmark runner (benchmarks/run.js) with the same arguments. */
export async function benchCommand(argv: string[]): Promise<number> {
  const runner = resolve(fileURLToPath(import.meta.url), '../../../../benchmarks/run.js')
  if (!existsSync(runner)) {
    process.stderr.write(`benchmarks are run from a checkout of the repository; ${runner} is missing\n`)
    return 1
  }
  const child = spawn(process.execPath, [runner, ...argv], { stdio: 'inherit' })
  return new Promise((r) => child.on('exit', (code) => r(code ?? 1)))
}
