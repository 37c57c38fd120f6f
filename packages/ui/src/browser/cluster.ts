/** GET /cluster as the dashboard reads it (the contract with the observability work). */
export type Role = 'master' | 'replica'

export interface SelfJson {
  readonly nodeId: string
  readonly publicKey: string | null
  readonly role: Role
  readonly readOnly: boolean
  readonly region: string
  readonly httpUrl: string
  readonly version?: string
  readonly seq: number
  readonly applied: Readonly<Record<string, number>>
  readonly context: string
  readonly behind?: ReadonlyArray<{ readonly origin: string; readonly ops: number | null }>
}

export interface PeerJson {
  readonly nodeId: string
  readonly role: Role
  readonly region: string
  readonly httpUrl: string
  readonly connected: boolean
  readonly readOnly?: boolean | null
  readonly applied: Readonly<Record<string, number>>
  readonly lagOps: number | null
  readonly lagMs: number | null
  readonly catchingUp?: boolean
}

export interface ClusterJson {
  readonly self: SelfJson
  readonly peers: readonly PeerJson[]
}

/** One node as the topology shows it, from this node's point of view. */
export interface NodeCard {
  readonly nodeId: string
  readonly role: Role
  readonly region: string
  readonly httpUrl: string
  readonly self: boolean
  /** The link from this node: 'self' for the node serving the page. */
  readonly link: 'self' | 'connected' | 'broken'
  /** Unknown (null) when the peer has not told us. */
  readonly readOnly: boolean | null
  readonly lagOps: number | null
  readonly lagMs: number | null
  readonly catchingUp: boolean
  /** Ops applied, summed over every origin of its applied vector. */
  readonly appliedOps: number
}

export interface RegionGroup {
  readonly region: string
  readonly masters: NodeCard[]
  readonly replicas: NodeCard[]
}

const sum = (vv: Readonly<Record<string, number>>): number => Object.values(vv).reduce((a, b) => a + b, 0)

/**
 * Nodes grouped by region (this node's region first, then by name) and role, each group in a
 * stable order so cards do not jump between refreshes.
 */
export function topology(c: ClusterJson): RegionGroup[] {
  const cards: NodeCard[] = [
    {
      nodeId: c.self.nodeId, role: c.self.role, region: c.self.region, httpUrl: c.self.httpUrl, self: true, link: 'self',
      readOnly: c.self.readOnly, lagOps: null, lagMs: null, catchingUp: false, appliedOps: sum(c.self.applied)
    },
    ...c.peers.map((p): NodeCard => ({
      nodeId: p.nodeId, role: p.role, region: p.region, httpUrl: p.httpUrl, self: false, link: p.connected ? 'connected' : 'broken',
      readOnly: p.readOnly ?? null, lagOps: p.lagOps, lagMs: p.lagMs, catchingUp: p.catchingUp === true, appliedOps: sum(p.applied)
    }))
  ]
  const regions = new Map<string, RegionGroup>()
  for (const card of cards) {
    let g = regions.get(card.region)
    if (g === undefined) regions.set(card.region, g = { region: card.region, masters: [], replicas: [] })
    ;(card.role === 'master' ? g.masters : g.replicas).push(card)
  }
  const order = (a: NodeCard, b: NodeCard) => Number(b.self) - Number(a.self) || a.httpUrl.localeCompare(b.httpUrl) || a.nodeId.localeCompare(b.nodeId)
  for (const g of regions.values()) { g.masters.sort(order); g.replicas.sort(order) }
  return [...regions.values()].sort((a, b) =>
    Number(b.region === c.self.region) - Number(a.region === c.self.region) || a.region.localeCompare(b.region))
}
