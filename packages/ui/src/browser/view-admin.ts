import { type Api, ApiError, describe } from './api.js'
import type { ClusterJson } from './cluster.js'
import { fill, h } from './dom.js'
import { hostOf, shortId } from './format.js'

/**
 * This node's admin actions (POST /admin/role, /admin/read-only, /admin/compact,
 * DELETE /admin/members/<id>). They act on the node serving the page only: another node's
 * actions are on its own dashboard (a cross-origin call would need CORS). Every result, and
 * every refusal with the node's error code, is shown in the result line.
 */
export class AdminPanel {
  private cluster: ClusterJson | undefined
  private forgetArmed: string | null = null

  constructor(private readonly api: Api, private readonly el: HTMLElement, private readonly result: HTMLElement, private readonly changed: () => void) {}

  render(c: ClusterJson): void {
    this.cluster = c
    const self = c.self
    const other = self.role === 'master' ? 'replica' : 'master'
    const members = [...c.peers].sort((a, b) => Number(a.connected) - Number(b.connected) || a.httpUrl.localeCompare(b.httpUrl))
    fill(this.el,
      section('Role', `This node is a ${self.role}.`,
        h('button', { class: 'primary', 'data-action': 'role', onclick: () => void this.run(`role → ${other}`, () => this.api.json('/admin/role', { method: 'POST', body: { role: other } })) },
          other === 'master' ? 'Promote to master' : 'Demote to replica')),
      section('Writes', self.readOnly ? 'Read-only: writes are refused with 503 READ_ONLY.' : 'Accepting writes.',
        h('button', { 'data-action': 'read-only', onclick: () => void this.run(`read-only ${!self.readOnly ? 'on' : 'off'}`, () => this.api.json('/admin/read-only', { method: 'POST', body: { readOnly: !self.readOnly } })) },
          self.readOnly ? 'Accept writes' : 'Make read-only')),
      section('Log', 'Drop the ops every known member has applied, and collect stable tombstones.',
        h('button', { 'data-action': 'compact', onclick: () => void this.run('compact', () => this.api.json('/admin/compact', { method: 'POST', body: {} })) }, 'Compact now')),
      section('Members', 'Forget a member that left for good, so it no longer holds compaction back. A member that comes back is welcomed again.',
        members.length === 0
          ? h('p', { class: 'empty' }, 'No peers known.')
          : h('ul', { class: 'members' }, ...members.map((p) => h('li', {},
            h('span', { class: `link ${p.connected ? 'connected' : 'broken'}` }, h('i', {})),
            h('span', { class: 'node-host' }, hostOf(p.httpUrl)), ' ', h('code', { title: p.nodeId }, shortId(p.nodeId)), ' ', p.role, ' · ', p.region,
            this.forgetArmed === p.nodeId
              ? h('button', { class: 'danger', 'data-action': 'forget-confirm', 'data-member': p.nodeId, onclick: () => void this.forget(p.nodeId) }, 'Really forget')
              : h('button', { 'data-action': 'forget', 'data-member': p.nodeId, onclick: () => { this.forgetArmed = p.nodeId; this.render(c) } }, 'Forget'))))))
  }

  private async forget(id: string): Promise<void> {
    this.forgetArmed = null
    await this.run(`forget ${shortId(id)}`, () => this.api.json(`/admin/members/${id}`, { method: 'DELETE' }))
  }

  private async run(what: string, call: () => Promise<unknown>): Promise<void> {
    fill(this.result, h('span', { class: 'pending' }, `${what}…`))
    try {
      const out = await call()
      fill(this.result, h('span', { class: 'ok', 'data-outcome': 'ok' }, `${what}: done`, out === undefined ? '' : ` ${JSON.stringify(out)}`))
      this.changed()
    } catch (e) {
      const refused = e instanceof ApiError && (e.kind === 'unauthorized' || e.kind === 'forbidden')
      fill(this.result, h('span', { class: 'error', 'data-outcome': refused ? 'refused' : 'error' },
        `${what}: ${refused ? 'refused' : 'failed'} (${e instanceof ApiError ? e.status : '?'}) ${describe(e)}`))
    }
    if (this.cluster !== undefined) this.render(this.cluster)
  }
}

function section(title: string, text: string, ...body: Array<Node | null>): HTMLElement {
  return h('section', { class: 'admin-item' }, h('h3', {}, title), h('p', {}, text), ...body)
}
