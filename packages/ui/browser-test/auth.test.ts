import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Page } from 'playwright-core'
import { Cluster, type NodeProcess } from '@swarmkv/testkit'
import { type Browser, launch } from './browser.js'
import { curl } from './curl.js'

// A node started with --token: the page asks for a token, keeps it for the tab only, and the
// admin actions are refused without the admin scope.
const ADMIN = 'admin-token-7f3a'
const READER = 'reader-token-91c2'

describe('the dashboard with auth on', () => {
  let cluster: Cluster
  let browser: Browser
  let m1: NodeProcess

  beforeAll(async () => {
    cluster = await Cluster.start({
      nodes: [{ name: 'm1', region: 'eu-west', token: ADMIN, args: ['--token', `${ADMIN}:admin,read`, '--token', `${READER}:read`] }],
      secret: null
    })
    m1 = cluster.node('m1')
    browser = await launch()
  })
  afterAll(async () => {
    await browser?.close()
    await cluster?.stop()
  })

  const signIn = async (page: Page, token: string) => {
    await page.locator('#signin').waitFor({ timeout: 10_000 })
    await page.fill('#signin-token', token)
    await page.click('#signin button[type="submit"]')
    await page.waitForFunction(() => document.body.dataset.phase === 'live', undefined, { timeout: 10_000 })
  }

  it('without a token: the page asks for one, shows no data, and the admin API refuses', async () => {
    const page = await browser.page(`${m1.url}/ui#admin`)
    await page.waitForFunction(() => document.body.dataset.phase === 'unauthorized', undefined, { timeout: 10_000 })
    expect(await page.locator('#signin').isVisible()).toBe(true)
    expect(await page.locator('#tab-admin').isHidden()).toBe(true)
    expect(await page.locator('[data-node]').count()).toBe(0)
    // What the page's buttons call, without a token: refused, nothing changes.
    const r = await curl('-X', 'POST', '-H', 'content-type: application/json', '--data', '{"role":"replica"}', `${m1.url}/admin/role`)
    expect(r.status).toBe(401)
    expect(JSON.parse(r.body).error).toBe('UNAUTHORIZED')
    await page.close()
  })

  it('with a read token: data shows, admin actions are refused (403) and change nothing', async () => {
    const page = await browser.page(`${m1.url}/ui#admin`)
    await signIn(page, READER)
    const button = page.locator('button[data-action="role"]')
    await button.waitFor()
    expect(await button.innerText()).toBe('Demote to replica')
    await button.click()
    const refusal = page.locator('#admin-result [data-outcome="refused"]')
    await refusal.waitFor({ timeout: 10_000 })
    expect(await refusal.innerText()).toContain('403')
    expect(await refusal.innerText()).toContain('FORBIDDEN')
    await page.click('button[data-action="read-only"]')
    await page.locator('#admin-result [data-outcome="refused"]', { hasText: 'read-only' }).waitFor({ timeout: 10_000 })
    const view = JSON.parse((await curl('-H', `authorization: Bearer ${READER}`, `${m1.url}/cluster`)).body)
    expect(view.self).toMatchObject({ role: 'master', readOnly: false })
    // /metrics is not for a read token either: the overview says why its rates are empty.
    await page.goto(`${m1.url}/ui#overview`)
    await page.locator('.tiles-note', { hasText: 'Rates need a token that may read /metrics' }).waitFor({ timeout: 5000 })
    expect(await page.locator('[data-tile="writes"] .tile-value').innerText()).toBe('—')
    // The token is in this tab's sessionStorage, nowhere that outlives it.
    expect(await page.evaluate(() => [sessionStorage.getItem('swarmkv.token'), localStorage.length, document.cookie])).toEqual([READER, 0, ''])
    // Sign out forgets it.
    await page.click('#signout')
    await page.waitForFunction(() => document.body.dataset.phase === 'unauthorized', undefined, { timeout: 10_000 })
    expect(await page.evaluate(() => sessionStorage.getItem('swarmkv.token'))).toBeNull()
    await page.close()
  })

  it('with the admin token the same actions go through', async () => {
    const page = await browser.page(`${m1.url}/ui#admin`)
    await signIn(page, ADMIN)
    await page.click('button[data-action="read-only"]')
    await page.locator('#admin-result [data-outcome="ok"]').waitFor({ timeout: 10_000 })
    await page.locator('#node-summary .badge', { hasText: 'read-only' }).waitFor({ timeout: 5000 })
    const view = JSON.parse((await curl('-H', `authorization: Bearer ${READER}`, `${m1.url}/cluster`)).body)
    expect(view.self.readOnly).toBe(true)
    await page.click('button[data-action="compact"]')
    await page.locator('#admin-result [data-outcome="ok"]', { hasText: 'compact: done {"floor":' }).waitFor({ timeout: 10_000 })
    await page.close()
  })
})
