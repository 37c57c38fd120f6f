import { readdir, readFile } from 'node:fs/promises'
import { createRequire } from 'node:module'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'

/** Where every node serves the dashboard. */
export const UI_BASE = '/ui'

/** One file of the dashboard, read into memory: the whole page, uPlot included, is about 250 KB. */
export interface UiAsset {
  /** The URL path, under UI_BASE (`/ui`, `/ui/app.css`, `/ui/js/app.js`). */
  readonly path: string
  readonly contentType: string
  readonly body: Buffer
}

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png'
}

const typeOf = (name: string): string => TYPES[name.slice(name.lastIndexOf('.'))] ?? 'application/octet-stream'

// dist/assets.js -> the package root, which ships public/ and dist/browser/ (package.json "files").
const PACKAGE_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..')

/**
 * Every file of the dashboard, from the package's own directory: the page (public/), its scripts
 * (compiled by `tsc -b` from src/browser/ to dist/browser/) and uPlot, resolved from this
 * package's dependencies. Nothing comes from a CDN, so the page works offline and in Docker.
 */
export async function uiAssets(): Promise<UiAsset[]> {
  const out: UiAsset[] = []
  const add = async (path: string, file: string) => out.push({ path, contentType: typeOf(file), body: await readFile(file) })
  const pub = join(PACKAGE_ROOT, 'public')
  for (const name of (await readdir(pub)).sort()) {
    await add(name === 'index.html' ? UI_BASE : `${UI_BASE}/${name}`, join(pub, name))
  }
  const js = join(PACKAGE_ROOT, 'dist', 'browser')
  for (const name of (await readdir(js)).sort()) {
    if (name.endsWith('.js')) await add(`${UI_BASE}/js/${name}`, join(js, name))
  }
  const require = createRequire(import.meta.url)
  const uplot = dirname(require.resolve('uplot/dist/uPlot.esm.js'))
  await add(`${UI_BASE}/vendor/uPlot.esm.js`, join(uplot, 'uPlot.esm.js'))
  await add(`${UI_BASE}/vendor/uPlot.min.css`, join(uplot, 'uPlot.min.css'))
  return out
}
