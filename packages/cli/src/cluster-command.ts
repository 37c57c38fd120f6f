import { parse } from './args.js'
import { CLIENT_OPTIONS, CLIENT_OPTIONS_HELP, clientFrom } from './client-options.js'

export const CLUSTER_HELP = `swarmkv cluster — this node and its peers: role, region, connection, lag

  swarmkv cluster [--json]
  --json        the whole GET /cluster answer
${CLIENT_OPTIONS_HELP}`

export async function clusterCommand(argv: string[]): Promise<number> {
  const { values: v } = parse(argv, { ...CLIENT_OPTIONS, json: { type: 'boolean' } })
  if (v.help === true) { process.stdout.write(CLUSTER_HELP); return 0 }
  const c = await clientFrom(v).cluster()
  if (v.json === true) { process.stdout.write(`${JSON.stringify(c, null, 2)}\n`); return 0 }
  const rows: string[][] = [['NODE', 'ROLE', 'REGION', 'URL', 'STATE', 'LAG OPS', 'LAG MS']]
  const s = c.self
  rows.push([s.nodeId, s.role, s.region, s.httpUrl, s.readOnly ? 'self, read-only' : 'self', '-', '-'])
  for (const p of c.peers) {
    rows.push([p.nodeId, p.role, p.region, p.httpUrl, p.connected ? 'connected' : 'disconnected', p.lagOps === null ? 'unknown' : String(p.lagOps), p.lagMs === null ? 'unknown' : String(p.lagMs)])
  }
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)))
  for (const r of rows) process.stdout.write(`${r.map((x, i) => x.padEnd(widths[i]!)).join('  ').trimEnd()}\n`)
  return 0
}
