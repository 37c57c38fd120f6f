import { SwarmkvError } from '@swarmkv/client'
import { UsageError } from './args.js'
import { START_HELP, startCommand } from './start.js'
import { DHT_HELP, dhtCommand } from './dht.js'
import { DEV_HELP, devCommand } from './dev.js'
import { CLIENT_HELP, clientCommand } from './client-commands.js'
import { DOC_HELP, docCommand } from './doc-commands.js'
import { WATCH_HELP, watchCommand } from './watch-command.js'
import { CLUSTER_HELP, clusterCommand } from './cluster-command.js'
import { OPENAPI_HELP, openapiCommand } from './openapi.js'
import { benchCommand } from './bench.js'
import { VERSION } from './version.js'

const HELP = `swarmkv — a multi-master replicated key-value store

Usage: swarmkv <command> [options]

Run a cluster:
  dev       a local cluster in one command (2 masters, 1 replica, embedded DHT bootstrap)
  start     run one node
  dht       run a DHT bootstrap node for closed networks
Use it:
  get, put, del, ls       read, write, delete and list keys
  doc get|put|patch|del|ls  JSON documents
  watch     print every change as it happens
  cluster   this node and its peers
Other:
  openapi   print the HTTP API's OpenAPI document
  bench     run the write-load benchmarks
  --version print the version

Run 'swarmkv <command> --help' for a command's options.
`

/** Each command's detail, for 'swarmkv help <command>'. */
const COMMAND_HELP: Readonly<Record<string, string>> = {
  start: START_HELP, dev: DEV_HELP, dht: DHT_HELP, get: CLIENT_HELP, put: CLIENT_HELP, del: CLIENT_HELP, ls: CLIENT_HELP,
  doc: DOC_HELP, watch: WATCH_HELP, cluster: CLUSTER_HELP, openapi: OPENAPI_HELP
}

/** Runs the CLI; resolves with the exit code. */
export async function main(argv: string[]): Promise<number> {
  const [cmd, ...rest] = argv
  try {
    switch (cmd) {
      case undefined:
        process.stderr.write(HELP)
        return 2
      case 'help':
      case '--help':
      case '-h':
        process.stdout.write(rest[0] !== undefined && COMMAND_HELP[rest[0]] !== undefined ? COMMAND_HELP[rest[0]]! : HELP)
        return 0
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
      case 'doc': return await docCommand(rest)
      case 'watch': return await watchCommand(rest)
      case 'cluster': return await clusterCommand(rest)
      case 'openapi': return await openapiCommand(rest)
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
