import { createServer, type Server } from 'node:net'
import { afterAll, beforeAll, describe, expect, it, onTestFailed } from 'vitest'
import { SwarmkvClient, SwarmkvError, type WatchEvent } from '@swarmkv/client'
import { Cluster, freeTcpPort, type NodeProcess } from '@swarmkv/testkit'

/** The client against real node processes: two masters replicating over a local DHT. */
describe('@swarmkv/client against real nodes', () => {
  let c: Cluster
  let m1: NodeProcess, m2: NodeProcess
  let dead: string
  let failed = false
  beforeAll(async () => {
    c = await Cluster.start({ nodes: [{ name: 'm1' }, { name: 'm2' }] })
    await c.waitConnected()
    m1 = c.node('m1'); m2 = c.node('m2')
    // A port nothing listens on: connections are refused.
    dead = `http://127.0.0.1:${await freeTcpPort()}`
  }, 90_000)
  afterAll(async () => { await c.stop({ keepLogs: failed }) })
  const keepLogs = () => onTestFailed(() => { failed = true })

  it('keys and documents, with the server\'s error codes as typed errors', async () => {
    keepLogs()
    const kv = new SwarmkvClient({ url: m1.url })
    const first = await kv.putResult('cl/a', 'one', { ifNoneMatch: '*' })
    expect(first.created).toBe(true)
    const got = await kv.get('cl/a')
    expect(new TextDecoder().decode(got!.value)).toBe('one')
    expect(got!.etag).toBe(first.etag)
    const err = await kv.put('cl/a', 'two', { ifNoneMatch: '*' }).catch((e: unknown) => e)
    expect(err).toBeInstanceOf(SwarmkvError)
    expect(err).toMatchObject({ status: 412, code: 'PRECONDITION_FAILED' })
    expect(await kv.list({ prefix: 'cl/' })).toEqual({ keys: ['cl/a'], next: null })

    const put = await kv.docs.put('cl/doc', { n: { $counter: 1 }, name: 'x' })
    expect(put.created).toBe(true)
    const cur = await kv.docs.get('cl/doc')
    expect(cur!.etag).toBe(put.etag)
    await kv.docs.patch('cl/doc', { name: 'z' }, { ifMatch: cur!.etag })
    // That tag is stale now.
    await expect(kv.docs.patch('cl/doc', { name: 'y' }, { ifMatch: put.etag! })).rejects.toMatchObject({ status: 412, code: 'PRECONDITION_FAILED' })
    await kv.docs.increment('cl/doc', ['n'], 4)
    expect((await kv.docs.get('cl/doc'))!.doc).toEqual({ n: 5, name: 'z' })
    await expect(kv.docs.increment('cl/doc', ['name'])).rejects.toMatchObject({ status: 409, code: 'NOT_A_COUNTER' })
    expect(await kv.docs.list({ prefix: 'cl/' })).toEqual({ keys: ['cl/doc'], next: null })
    // The session's write tokens carry its writes to a read on the other master.
    await kv.del('cl/a')
    const onM2 = new SwarmkvClient({ urls: [m2.url] })
    await onM2.put('cl/b', 'b')
    expect(await onM2.getText('cl/b')).toBe('b')
    expect(kv.after).toContain(m1.nodeId)
  })

  it('fails over: a refused connection and a 503 move the call to the next node', async () => {
    keepLogs()
    const kv = new SwarmkvClient({ urls: [dead, m1.url] })
    await kv.put('fo/1', 'x')
    expect(kv.url).toBe(m1.url)
    // A counter increment (POST) goes on too when the connection was refused: it was never sent.
    await kv.docs.put('fo/counter', { n: { $counter: 0 } })
    await new SwarmkvClient({ urls: [dead, m1.url] }).docs.increment('fo/counter', ['n'])
    expect((await kv.docs.get('fo/counter'))!.doc).toEqual({ n: 1 })
    // m1 read-only: its 503 sends the write to m2.
    await fetch(`${m1.url}/admin/read-only`, { method: 'POST', body: '{"readOnly":true}', headers: { 'content-type': 'application/json' } })
    try {
      const both = new SwarmkvClient({ urls: [m1.url, m2.url] })
      const tokens = await both.put('fo/2', 'y')
      expect(tokens[0]!.startsWith(m2.nodeId)).toBe(true)
      // With m1 alone the 503 is the answer, with its code.
      await expect(new SwarmkvClient({ url: m1.url }).put('fo/3', 'z')).rejects.toMatchObject({ status: 503, code: 'READ_ONLY' })
    } finally {
      await fetch(`${m1.url}/admin/read-only`, { method: 'POST', body: '{"readOnly":false}', headers: { 'content-type': 'application/json' } })
    }
    await expect(new SwarmkvClient({ url: dead }).get('x')).rejects.toMatchObject({ status: 0, code: 'UNREACHABLE' })
  })

  it('gives up at its deadline: TIMEOUT, or ABORTED for the caller\'s signal', async () => {
    keepLogs()
    // A server that takes connections and never answers.
    const silent: Server = createServer(() => {})
    await new Promise<void>((r) => silent.listen(0, '127.0.0.1', () => r()))
    const port = (silent.address() as { port: number }).port
    try {
      const t0 = Date.now()
      await expect(new SwarmkvClient({ url: `http://127.0.0.1:${port}`, timeoutMs: 300 }).get('k')).rejects.toMatchObject({ code: 'TIMEOUT' })
      expect(Date.now() - t0).toBeLessThan(3000)
      const ac = new AbortController()
      setTimeout(() => ac.abort(), 100)
      await expect(new SwarmkvClient({ url: `http://127.0.0.1:${port}` }).get('k', { signal: ac.signal })).rejects.toMatchObject({ code: 'ABORTED' })
    } finally {
      silent.close()
    }
  })

  it('watch() resumes by itself on the next node when its node dies: every change once', async () => {
    keepLogs()
    const kv = new SwarmkvClient({ urls: [m1.url, m2.url] })
    const stop = new AbortController()
    const seen: WatchEvent[] = []
    let reconnects = 0
    const reading = (async () => {
      for await (const e of kv.watch({ prefix: 'w/', signal: stop.signal, onReconnect: () => { reconnects++ } })) {
        seen.push(e)
        if (seen.filter((x) => x.type === 'change').length >= 10) break
      }
    })()
    const writer = new SwarmkvClient({ url: m2.url })
    // Wait until the watch is live: its first change arrives.
    await writer.put('w/0', 'v0')
    const until = async (n: number) => { const end = Date.now() + 30_000; while (seen.length < n && Date.now() < end) await new Promise((r) => setTimeout(r, 50)) }
    await until(1)
    for (let i = 1; i < 5; i++) await writer.put(`w/${i}`, `v${i}`)
    await until(5)
    await m1.kill()
    for (let i = 5; i < 10; i++) await writer.put(`w/${i}`, `v${i}`)
    await reading
    stop.abort()
    expect(reconnects).toBeGreaterThanOrEqual(1)
    expect(seen.map((e) => e.type === 'change' ? e.data.key : e.type)).toEqual(Array.from({ length: 10 }, (_, i) => `w/${i}`))
    await m1.start()
  })
})
