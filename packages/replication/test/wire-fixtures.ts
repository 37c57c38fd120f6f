import type { NodeId, Op } from '@swarmkv/core'
import type { AckMessage, AuthMessage, HelloMessage, OpsMessage } from '@swarmkv/replication'

const A = '0123456789abcdef' as NodeId
const B = 'fedcba9876543210' as NodeId

const op: Op = {
  kind: 'reg', origin: A, seq: 42, hlc: { wall: 1_700_000_000_123, counter: 2 }, key: 'user/1',
  write: {
    context: { [A]: 41, [B]: 7 },
    sibling: { origin: A, seq: 42, hlc: { wall: 1_700_000_000_123, counter: 2 }, value: new TextEncoder().encode('hello'), contentType: 'text/plain', deleted: false }
  }
}

/** The v1 messages whose encodings are pinned in fixtures/wire-v1.json. */
export const messages = {
  auth: { proof: new Uint8Array(32).fill(7) } satisfies AuthMessage,
  hello: { versions: [1], nodeId: A, role: 'replica', region: 'eu-west', httpUrl: 'http://10.0.0.1:7001', applied: { [A]: 42, [B]: 7 } } satisfies HelloMessage,
  ops: { ops: [op] } satisfies OpsMessage,
  ack: { applied: { [A]: 42 } } satisfies AckMessage,
  role: { role: 'master' as const }
}
