import { mkdir } from 'node:fs/promises'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Page } from 'playwright-core'
import { Cluster, type NodeProcess, waitUntil } from '@swarmkv/testkit'
import { type Browser, launch } from './browser.js'
import { curl } from './curl.js'

// The dashboard in headless Chromium against four real processes in two regions.
// SWARMKV_UI_SHOTS=docs/img keeps the screenshots (docs/UI.md); otherwise they go to the cluster's temp dir.
const NODES = [
  { name: 'm1', role: 'master', region: 'eu-west' },
  { name: 'm2', role: 'master', region: 'us-east' },
  { name: 'r1', role: 'replica', region: 'eu-west' },
  { name: 'r2', role: 'replica', region: 'us-east' }
] as const

/** "Within a few seconds": the page polls every 2 s; a stopped node closes its connections as it exits. */
const BROKEN_WITHIN_MS = 10_000

const card = (id: string) => `[data-node="${id}"]`
const kv = (n: NodeProcess, key: string) => `${n.url}/kv/${encodeURIComponent(key)}`

async function lagOps(page: Page, id: string): Promise<number> {
  const text = await page.locator(`${card(id)} [data-fig="lag-ops"]`).innerText()
  return Number(text.replace(/[^0-9.]/g, ''))
}

describe('the dashboard on a live cluster', () => {
  let cluster: Cluster
  let browser: Browser
  let page: Page
  let shots: string
  const node = (name: string) => cluster.node(name)

  beforeAll(async () => {
    cluster = await Cluster.start({ nodes: NODES })
    await cluster.waitConnected()
    browser = await launch()
    shots = process.env.SWARMKV_UI_SHOTS ?? join(cluster.dir, 'shots')
    await mkdir(shots, { recursive: true })
  })
  afterAll(async () => {
    await browser?.close()
    await cluster?.stop()
  })

  it('shows every node with its role and region, and every link connected', async () => {
    page = await browser.page(`${node('m1').url}/ui`)
    for (const spec of NODES) {
      const n = node(spec.name)
      const el = page.locator(card(n.nodeId))
      await el.waitFor({ timeout: 10_000 })
      expect(await el.getAttribute('data-role'), spec.name).toBe(spec.role)
      expect(await el.getAttribute('data-region'), spec.name).toBe(spec.region)
      expect(await el.getAttribute('data-link'), spec.name).toBe(spec.name === 'm1' ? 'self' : 'connected')
      // Grouped: the card sits in its region's column.
      expect(await page.locator(`section.region[data-region="${spec.region}"] ${card(n.nodeId)}`).count(), spec.name).toBe(1)
    }
    expect(await page.locator('[data-node]').count()).toBe(NODES.length)
    expect(await page.locator('#status').innerText()).toContain('live')

    // A bounded trickle of traffic for the rate chart (60 writes, 120 reads over about 6 s), then
    // the healthy screenshot: by then the lag charts hold a line for each of the three peers.
    const m1 = node('m1')
    for (let i = 0; i < 60; i++) {
      await fetch(kv(m1, `load/${i % 10}`), { method: 'PUT', body: `v${i}` })
      await fetch(kv(m1, `load/${i % 10}`))
      await fetch(kv(m1, `load/${(i + 5) % 10}`))
      await new Promise((r) => setTimeout(r, 100))
    }
    await page.waitForTimeout(2500)
    for (const chart of ['#chart-ops', '#chart-ms']) {
      expect(await page.locator(`${chart} .u-legend .u-series`).count(), chart).toBe(NODES.length - 1)
    }
    await page.screenshot({ path: join(shots, 'ui-healthy.png') })
  })

  it('a key written with curl on another node appears in the key browser, then its siblings after concurrent writes', async () => {
    const m1 = node('m1')
    const m2 = node('m2')
    expect((await curl('-X', 'PUT', '-H', 'content-type: text/plain', '--data', 'from m2', kv(m2, 'orders/42'))).status).toBe(201)
    await page.goto(`${m1.url}/ui#keys`)
    await page.fill('#key-prefix', 'orders/')
    const key = page.locator('button.key[data-key="orders/42"]')
    await key.waitFor({ timeout: 10_000 })
    await key.click()
    await page.locator('#key-detail td.value', { hasText: 'from m2' }).waitFor({ timeout: 10_000 })
    expect(await page.locator('#key-detail tr[data-dot]').getAttribute('data-dot')).toMatch(new RegExp(`^${m2.nodeId}:\\d+$`))

    // Concurrent writes: each master writes without having seen the other's (empty context).
    await Promise.all([
      curl('-X', 'PUT', '-H', 'x-context;', '--data', 'A wins?', kv(m1, 'orders/42')),
      curl('-X', 'PUT', '-H', 'x-context;', '--data', 'B wins?', kv(m2, 'orders/42'))
    ])
    await page.locator('#key-detail [data-siblings="3"]').waitFor({ timeout: 10_000 })
    const dots = await page.locator('#key-detail tr[data-dot]').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-dot')))
    expect(dots.map((d) => d!.split(':')[0]).sort()).toEqual([m1.nodeId, m2.nodeId, m2.nodeId].sort())
    for (const v of ['from m2', 'A wins?', 'B wins?']) expect(await page.locator('#key-detail td.value', { hasText: v }).count(), v).toBe(1)
    // Each sibling's HLC stamp is shown as a time, and the key's context names both origins.
    expect(await page.locator('#key-detail tbody tr').first().innerText()).toMatch(/\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{3} UTC/)
    const context = await page.locator('#key-detail code.context').innerText()
    expect(context).toContain(`${m1.nodeId}:`)
    expect(context).toContain(`${m2.nodeId}:`)
    await page.screenshot({ path: join(shots, 'ui-keys.png') })
  })

  it('stopping a replica turns its link broken within a few seconds, and its lag rises', async () => {
    const m1 = node('m1')
    const r2 = node('r2')
    await page.goto(`${m1.url}/ui#overview`)
    await r2.stop()
    const t0 = Date.now()
    await page.locator(`${card(r2.nodeId)}[data-link="broken"]`).waitFor({ timeout: BROKEN_WITHIN_MS })
    const brokenAfter = Date.now() - t0
    process.stderr.write(`link to the stopped replica shown broken after ${brokenAfter} ms\n`)

    for (let i = 0; i < 20; i++) await fetch(kv(m1, `while-away/${i}`), { method: 'PUT', body: 'x' })
    const first = await waitUntil('lag of 20 ops or more', async () => { const v = await lagOps(page, r2.nodeId); return v >= 20 ? v : undefined }, 10_000, 200)
    for (let i = 20; i < 40; i++) await fetch(kv(m1, `while-away/${i}`), { method: 'PUT', body: 'x' })
    const second = await waitUntil('the lag to rise by 20', async () => { const v = await lagOps(page, r2.nodeId); return v >= first + 20 ? v : undefined }, 10_000, 200)
    expect(second).toBeGreaterThan(first)
    // The other links stay up.
    for (const name of ['m2', 'r1']) expect(await page.locator(card(node(name).nodeId)).getAttribute('data-link'), name).toBe('connected')
    await page.waitForTimeout(4000)
    await page.screenshot({ path: join(shots, 'ui-broken-link.png') })


    // Forget it from the page (two clicks), then let it come back: it is welcomed again.
    await page.goto(`${m1.url}/ui#admin`)
    await page.click(`button[data-action="forget"][data-member="${r2.nodeId}"]`)
    await page.click(`button[data-action="forget-confirm"][data-member="${r2.nodeId}"]`)
    await page.locator('#admin-result [data-outcome="ok"]', { hasText: `forget ${r2.nodeId.slice(0, 8)}: done` }).waitFor({ timeout: 10_000 })
    await page.goto(`${m1.url}/ui#overview`)
    await r2.start()
    await page.locator(`${card(r2.nodeId)}[data-link="connected"]`).waitFor({ timeout: 30_000 })
    await waitUntil('the restarted replica to catch up', async () => (await lagOps(page, r2.nodeId)) === 0, 30_000, 200)
  })

  it('reconnects by itself when its own node restarts', async () => {
    const m1 = node('m1')
    await page.goto(`${m1.url}/ui#overview`)
    await m1.kill()
    await page.waitForFunction(() => document.body.dataset.phase === 'offline', undefined, { timeout: 10_000 })
    expect(await page.locator('#banner').innerText()).toContain('does not answer')
    await m1.start()
    await page.waitForFunction(() => document.body.dataset.phase === 'live', undefined, { timeout: 15_000 })
    expect(await page.locator('#banner').isHidden()).toBe(true)
    await page.locator(card(m1.nodeId)).waitFor()
  })

  it('promoting the replica from its page changes its role everywhere; its read-only state shows on the others\' pages', async () => {
    const r1 = node('r1')
    const own = await browser.page(`${r1.url}/ui#admin`)
    const button = own.locator('button[data-action="role"]')
    await button.waitFor({ timeout: 10_000 })
    expect(await button.innerText()).toBe('Promote to master')
    await button.click()
    await own.locator('#admin-result [data-outcome="ok"]').waitFor({ timeout: 10_000 })
    await own.locator('[data-self-role="master"]').waitFor({ timeout: 5000 })
    // Every other node hears of it (the role is announced to peers), and m1's page shows it.
    await waitUntil('every node to see r1 as a master', async () => {
      const views = await Promise.all(cluster.running().filter((n) => n !== r1).map((n) => n.cluster()))
      return views.every((v) => v.peers.find((p) => p.nodeId === r1.nodeId)?.role === 'master')
    }, 15_000, 200)
    await page.locator(`section.region[data-region="eu-west"] ${card(r1.nodeId)}[data-role="master"]`).waitFor({ timeout: 10_000 })
    expect((await r1.cluster()).self.role).toBe('master')

    // Read-only from its page: the other nodes' pages show it on its card.
    await own.click('button[data-action="read-only"]')
    await own.locator('#admin-result [data-outcome="ok"]', { hasText: 'read-only on' }).waitFor({ timeout: 10_000 })
    const r1card = page.locator(`${card(r1.nodeId)}[data-read-only="true"]`)
    await r1card.waitFor({ timeout: 10_000 })
    expect(await r1card.locator('.badge', { hasText: 'read-only' }).count()).toBe(1)
    expect(await r1card.locator('dd[title]').innerText()).toBe('refused')
    await own.click('button[data-action="read-only"]')
    await page.locator(`${card(r1.nodeId)}[data-read-only="false"]`).waitFor({ timeout: 10_000 })
    await own.close()
  })
})
