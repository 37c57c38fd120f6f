import { type Api, ApiError, describe } from './api.js'
import { fill, h } from './dom.js'
import { hlc } from './format.js'

interface KeyList { keys: string[]; next: string | null }
interface Sibling { dot: string; hlc: string; contentType: string; deleted: boolean; encoding: 'utf8' | 'base64'; value: string }
interface SiblingsJson { key: string; context: string; siblings: Sibling[] }

const PAGE = 100
const MAX_SHOWN = 1000
/** Values longer than this are cut in the table (the whole value is a GET away). */
const PREVIEW_CHARS = 2000

const kvPath = (key: string) => `/kv/${encodeURIComponent(key)}`

/**
 * The key browser: keys by prefix (GET /kv?prefix=&limit=), and one open key with every sibling
 * (GET /kv/<key>?siblings=true): dot, HLC stamp, content type, value, and the key's context.
 * refresh() re-reads both, so a key written elsewhere shows up while the tab is open.
 */
export class KeyBrowser {
  private prefix = ''
  private limit = PAGE
  private open: string | null = null
  private busy = false
  private again = false

  constructor(private readonly api: Api, private readonly list: HTMLElement, private readonly detail: HTMLElement, prefixInput: HTMLInputElement) {
    prefixInput.addEventListener('input', () => {
      this.prefix = prefixInput.value
      this.limit = PAGE
      void this.refresh()
    })
    fill(detail, h('p', { class: 'empty' }, 'Pick a key to see its value, siblings and context.'))
  }

  /** Reads the list and the open key again; a call while one runs makes it run once more after. */
  async refresh(): Promise<void> {
    if (this.busy) { this.again = true; return }
    this.busy = true
    try {
      do {
        this.again = false
        await Promise.all([this.loadList(), this.open === null ? undefined : this.loadKey(this.open)])
      } while (this.again)
    } finally {
      this.busy = false
    }
  }

  private async loadList(): Promise<void> {
    const prefix = this.prefix
    let page: KeyList
    try {
      page = await this.api.json<KeyList>(`/kv?prefix=${encodeURIComponent(prefix)}&limit=${this.limit}`)
    } catch (e) {
      fill(this.list, h('p', { class: 'error' }, `Cannot list keys: ${describe(e)}`))
      return
    }
    if (prefix !== this.prefix) return
    const items = page.keys.map((k) => h('li', {},
      h('button', { class: k === this.open ? 'key open' : 'key', 'data-key': k, onclick: () => { this.open = k; void this.refresh() } }, k)))
    const more = page.next !== null && this.limit < MAX_SHOWN
      ? h('button', { class: 'more', onclick: () => { this.limit = Math.min(MAX_SHOWN, this.limit + PAGE); void this.refresh() } }, 'show more')
      : null
    fill(this.list,
      h('p', { class: 'list-count' }, page.keys.length === 0 ? 'no keys' : `${page.keys.length}${page.next !== null ? '+' : ''} key${page.keys.length === 1 && page.next === null ? '' : 's'}`),
      h('ul', {}, ...items), more)
  }

  private async loadKey(key: string): Promise<void> {
    let s: SiblingsJson
    try {
      s = await this.api.json<SiblingsJson>(`${kvPath(key)}?siblings=true`)
    } catch (e) {
      if (key !== this.open) return
      const gone = e instanceof ApiError && e.status === 404
      fill(this.detail, h('h3', { class: 'key-title' }, key), h('p', { class: gone ? 'empty' : 'error' }, gone ? 'No such key on this node (never written, or deleted and collected).' : describe(e)))
      return
    }
    if (key !== this.open) return
    const live = s.siblings.filter((x) => !x.deleted).length
    const winner = s.siblings.findIndex((x) => !x.deleted)
    fill(this.detail,
      h('h3', { class: 'key-title' }, s.key),
      h('p', { class: 'key-meta' },
        h('span', { class: live > 1 ? 'badge warn' : 'badge ok', 'data-siblings': live }, live === 1 ? '1 value' : `${live} siblings`),
        ' context ', h('code', { class: 'context' }, s.context === '' ? '(empty)' : s.context)),
      h('table', { class: 'siblings' },
        h('thead', {}, h('tr', {}, h('th', {}, ''), h('th', {}, 'dot'), h('th', {}, 'HLC stamp'), h('th', {}, 'type'), h('th', {}, 'value'))),
        h('tbody', {}, ...s.siblings.map((x, i) => h('tr', { class: x.deleted ? 'deleted' : '', 'data-dot': x.dot },
          h('td', {}, i === winner ? h('span', { class: 'badge ok', title: 'the value a GET returns' }, 'winner') : x.deleted ? h('span', { class: 'badge muted' }, 'deleted') : ''),
          h('td', {}, h('code', {}, x.dot)),
          h('td', { title: x.hlc }, hlc(x.hlc)),
          h('td', {}, x.contentType),
          h('td', { class: 'value' }, x.deleted ? '' : x.encoding === 'base64' ? h('span', { class: 'b64' }, `base64 ${x.value.slice(0, PREVIEW_CHARS)}`) : x.value.slice(0, PREVIEW_CHARS)))))))
  }
}
