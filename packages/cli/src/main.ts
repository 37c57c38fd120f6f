import { SwarmkvError } from '@swarmkv/client'
import { UsageError } from './args.js'
import { START_HELP, startCommand } from './start.js'
import { DHT_HELP, dhtCommand } from './dht.js'
import { DEV_HELP, devCommand } from './dev.js'
import { CLIENT_HELP, clientCommand } from './client-commands.js'
import { benchCommand } from './bench.js'
import { VERSION } from './version.js'

const HELP = `swarmkv — a multi-master replicated key-value store

Usage: swarmkv <command> [options]

Commands:
  dev       start a local cluster (2 masters, 1 replica, embedded DHT bootstrap)
  start     run one node
  dht       run a DHT bootstrap node for closed networks
  get       read a key            put   write a key
  del       delete a key          ls    list keys
  bench     run the write-load benchmarks

Run 'swarmkv <command> --help' for a command's options; 'swarmkv --version' prints the version.

${START_HELP}
${DEV_HELP}
${DHT_HELP}
${CLIENT_HELP}`

/** Runs the CLI; resolves with the exit code. */
export async function main(argv: string[]): Promise<number> {
  const [cmd, ...rest] = argv
  try {
    switch (cmd) {
      case undefined:
      case 'help':
      case '--help':
      case '-h':
        process.stdout.write(HELP)
        return cmd === undefined ? 1 : 0
      case '--version':
      case '-v':
      case 'version':
        process.stdout.write(`swarmkv ${VERSION}\n`)
        return 0
      case 'start': return await startCommand(rest)
      case 'dht': return await dhtCommand(rest)
      case 'dev': return await devCommand(rest)
      case 'get':
      case 'put':
      case 'del':
      case 'ls':
        return await clientCommand(cmd, rest)
      case 'bench': return await benchCommand(rest)
      default:
        process.stderr.write(`unknown command: ${cmd}\n\n${HELP}`)
        return 2
    }
  } catch (e) {
    if (e instanceof UsageError) { process.stderr.write(`${e.message}\n`); return 2 }
    if (e instanceof SwarmkvError) { process.stderr.write(`${e.code}: ${e.message}\n`); return 1 }
    throw e
  }
}
