import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { makeNode } from './helpers.js'

type Node = Awaited<ReturnType<typeof makeNode>>

describe('GET /ui: the dashboard files', () => {
  let n: Node
  beforeEach(async () => { n = await makeNode({ tokens: [{ token: 'admin-secret', scopes: ['admin'] }] }) })
  afterEach(async () => { await n.close() })

  const get = (url: string, headers: Record<string, string> = {}) => n.app.inject({ method: 'GET', url, headers })

  it('serves the page without a token, while the API it calls still needs one', async () => {
    const page = await get('/ui')
    expect(page.statusCode).toBe(200)
    expect(page.headers['content-type']).toBe('text/html; charset=utf-8')
    expect(page.body).toContain('<script type="module" src="/ui/js/app.js">')
    expect((await get('/ui/')).body).toBe(page.body)
    expect((await get('/cluster')).statusCode).toBe(401)
    expect((await n.app.inject({ method: 'POST', url: '/ui', payload: {} })).statusCode).toBe(401)
  })

  it('every file the page and its scripts load is shipped, with its content type', async () => {
    const page = (await get('/ui')).body
    const refs = [...page.matchAll(/(?:src|href)="(\/ui\/[^"]+)"/g)].map((m) => m[1]!)
    refs.push(...[...page.matchAll(/"uplot": "(\/ui\/[^"]+)"/g)].map((m) => m[1]!))
    expect(refs).toEqual(expect.arrayContaining(['/ui/js/app.js', '/ui/app.css', '/ui/vendor/uPlot.esm.js', '/ui/vendor/uPlot.min.css']))
    const seen = new Set<string>()
    const queue = [...refs]
    while (queue.length > 0) {
      const url = queue.shift()!
      if (seen.has(url)) continue
      seen.add(url)
      const res = await get(url)
      expect(res.statusCode, url).toBe(200)
      const ext = url.slice(url.lastIndexOf('.'))
      expect(res.headers['content-type'], url).toMatch({ '.js': /^text\/javascript/, '.css': /^text\/css/, '.svg': /^image\/svg/ }[ext] ?? /./)
      // Follow the modules' relative imports: a module left out of the build breaks the page.
      if (ext === '.js' && url.startsWith('/ui/js/')) {
        for (const m of res.body.matchAll(/from '\.\/([^']+\.js)'/g)) queue.push(`/ui/js/${m[1]!}`)
      }
    }
    expect(seen.size).toBeGreaterThan(10)
  })

  it('revalidates with the ETag: 304 when unchanged', async () => {
    const first = await get('/ui/app.css')
    expect(first.headers['cache-control']).toBe('no-cache')
    const etag = String(first.headers.etag)
    expect((await get('/ui/app.css', { 'if-none-match': etag })).statusCode).toBe(304)
  })

  it('an unknown file, or a path out of the package, is a JSON 404', async () => {
    for (const url of ['/ui/nope.js', '/ui/js/..%2f..%2fpackage.json', '/ui/js/assets.js']) {
      const res = await get(url)
      expect(res.statusCode, url).toBe(404)
      expect(res.json().error, url).toBe('NOT_FOUND')
    }
    // Dot segments are resolved before routing: these ask for /package.json, which is no file here.
    for (const url of ['/ui/js/../../package.json', '/ui/%2e%2e/package.json']) expect((await get(url)).body, url).not.toContain('@swarmkv')
  })
})

describe('GET /ui beside the API', () => {
  it('is left out of the OpenAPI document, and another method on it is 405 with Allow', async () => {
    const n = await makeNode()
    try {
      const doc = (await n.app.inject({ method: 'GET', url: '/openapi.json' })).json<{ paths: Record<string, unknown> }>()
      expect(Object.keys(doc.paths)).toContain('/kv/{key}')
      expect(Object.keys(doc.paths).filter((p) => p.startsWith('/ui'))).toEqual([])
      const post = await n.app.inject({ method: 'POST', url: '/ui', payload: {} })
      expect(post.statusCode).toBe(405)
      expect(post.headers.allow).toContain('GET')
    } finally {
      await n.close()
    }
  })
})
