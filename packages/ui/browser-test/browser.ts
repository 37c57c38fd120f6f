import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { chromium, type BrowserContext, type Page } from 'playwright-core'

/** Debian's chromium (scripts/ci/ensure-debs.sh chromium); playwright cannot download browsers here. */
export const CHROMIUM = process.env.SWARMKV_CHROMIUM ?? '/usr/bin/chromium'

const ARGS = [
  '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
  '--disable-component-update', '--disable-sync'
]

/** A laptop screen. */
export const VIEWPORT = { width: 1440, height: 900 }

export interface Browser {
  readonly context: BrowserContext
  page(url: string): Promise<Page>
  close(): Promise<void>
}

/** Headless Chromium with a fresh profile of its own, removed on close. */
export async function launch(): Promise<Browser> {
  const profile = await mkdtemp(join(tmpdir(), 'swarmkv-ui-chromium-'))
  const context = await chromium.launchPersistentContext(profile, { executablePath: CHROMIUM, headless: true, args: ARGS, viewport: VIEWPORT })
  return {
    context,
    async page(url) {
      const page = await context.newPage()
      page.on('pageerror', (e) => process.stderr.write(`page error on ${url}: ${e.message}\n`))
      await page.goto(url)
      return page
    },
    async close() {
      await context.close()
      await rm(profile, { recursive: true, force: true })
    }
  }
}
