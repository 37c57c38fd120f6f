/**
 * Server-sent events framing (HTML Living Standard §9.2): `event:`, `id:`, one `data:` line
 * (JSON never holds a raw newline), a blank line. Comments (`:`) are heartbeats.
 */
export function sseEvent(event: string, id: string | undefined, data: unknown): string {
  return `event: ${event}\n${id !== undefined ? `id: ${id}\n` : ''}data: ${JSON.stringify(data)}\n\n`
}

export function sseComment(text: string): string {
  return `: ${text.replace(/[\r\n]/g, ' ')}\n\n`
}

/** Tells EventSource clients how long to wait before reconnecting, in ms. */
export function sseRetry(ms: number): string {
  return `retry: ${Math.max(0, Math.floor(ms))}\n\n`
}
