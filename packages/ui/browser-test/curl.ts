import { execFile } from 'node:child_process'
import { promisify } from 'node:util'

const run = promisify(execFile)

export interface CurlReply { status: number; body: string }

/** Real HTTP from another process, as a user would do it: curl -s -w '%{http_code}'. */
export async function curl(...args: string[]): Promise<CurlReply> {
  const { stdout } = await run('curl', ['-s', '-S', '--max-time', '10', '-w', '\n%{http_code}', ...args])
  const i = stdout.lastIndexOf('\n')
  return { status: Number(stdout.slice(i + 1)), body: stdout.slice(0, i) }
}
