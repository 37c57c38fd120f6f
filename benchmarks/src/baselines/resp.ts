import { connect } from 'node:net'

/**
 * A minimal RESP2 client, enough to time SETs on a Redis primary and receive keyspace
 * notifications on its replica, without adding a Redis client dependency.
 */

/** Parses one reply at `i`; returns [value, next] or undefined when the buffer is incomplete. */
export type Reply = string | number | null | Error | Reply[]

function parse(buf: Buffer, i: number): [Reply, number] | undefined {
  if (i >= buf.length) return undefined
  const eol = buf.indexOf('\r\n', i)
  if (eol < 0) return undefined
  const type = String.fromCharCode(buf[i] ?? 0)
  const line = buf.toString('utf8', i + 1, eol)
  switch (type) {
    case '+': return [line, eol + 2]
    case '-': return [new Error(line), eol + 2]
    case ':': return [Number(line), eol + 2]
    case '$': {
      const len = Number(line)
      if (len < 0) return [null, eol + 2]
      if (buf.length < eol + 2 + len + 2) return undefined
      return [buf.toString('utf8', eol + 2, eol + 2 + len), eol + 2 + len + 2]
    }
    case '*': {
      const n = Number(line)
      if (n < 0) return [null, eol + 2]
      const out: Reply[] = []
      let at = eol + 2
      for (let k = 0; k < n; k++) {
        const r = parse(buf, at)
        if (r === undefined) return undefined
        out.push(r[0])
        at = r[1]
      }
      return [out, at]
    }
    default:
      throw new Error(`bad RESP type ${type}`)
  }
}

function encode(args: Array<string | number>): string {
  let s = `*${args.length}\r\n`
  for (const a of args) {
    const v = String(a)
    s += `$${Buffer.byteLength(v)}\r\n${v}\r\n`
  }
  return s
}

export interface Resp {
  command(...args: Array<string | number>): Promise<Reply>
  psubscribe(pattern: string, handler: (m: Reply[]) => void): Promise<Reply>
  close(): void
}

export async function respConnect(port: number, host = '127.0.0.1'): Promise<Resp> {
  const sock = connect({ port, host, noDelay: true })
  await new Promise((resolve, reject) => { sock.once('connect', resolve); sock.once('error', reject) })
  const pending: Array<(v: Reply) => void> = []
  const pushHandlers: Array<(m: Reply[]) => void> = []
  let subscribed = false
  let buf: Buffer = Buffer.alloc(0)
  sock.on('data', (chunk: Buffer) => {
    buf = buf.length === 0 ? chunk : Buffer.concat([buf, chunk])
    let at = 0
    for (;;) {
      const r = parse(buf, at)
      if (r === undefined) break
      at = r[1]
      const v = r[0]
      if (subscribed && Array.isArray(v) && (v[0] === 'pmessage' || v[0] === 'message')) {
        for (const h of pushHandlers) h(v)
        continue
      }
      pending.shift()?.(v)
    }
    buf = buf.subarray(at)
  })
  sock.on('error', () => { for (const p of pending.splice(0)) p(new Error('connection lost')) })
  const self: Resp = {
    command(...args) {
      return new Promise((resolve, reject) => {
        pending.push((v) => (v instanceof Error ? reject(v) : resolve(v)))
        sock.write(encode(args))
      })
    },
    async psubscribe(pattern, handler) {
      pushHandlers.push(handler)
      subscribed = true
      return self.command('PSUBSCRIBE', pattern)
    },
    close() {
      sock.destroy()
    }
  }
  return self
}
