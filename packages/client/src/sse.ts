/** One server-sent event as the stream gave it. */
export interface SseMessage {
  readonly event: string
  readonly data: string
  /** The `id:` field, when the event had one. */
  readonly id: string | undefined
  /** A `retry:` the server sent before this event (ms), when any. */
  readonly retry: number | undefined
}

/**
 * Parses a text/event-stream body (HTML Living Standard §9.2.6): lines ending in LF, CR or CRLF,
 * fields `event`, `data` (lines joined by LF), `id` (ignored when it holds NUL), `retry`;
 * comment lines skipped; a blank line dispatches.
 */
export async function* parseSse(body: ReadableStream<Uint8Array>): AsyncGenerator<SseMessage> {
  const decoder = new TextDecoder()
  let buf = ''
  let event = ''
  let data: string[] = []
  let id: string | undefined
  let retry: number | undefined
  const reader = body.getReader()
  try {
    for (;;) {
      const { done, value } = await reader.read()
      if (done) return
      buf += decoder.decode(value, { stream: true })
      for (;;) {
        const m = /\r\n|\r|\n/.exec(buf)
        // A lone CR at the end may be the first half of CRLF: wait for more.
        if (m === null || (m[0] === '\r' && m.index === buf.length - 1)) break
        const line = buf.slice(0, m.index)
        buf = buf.slice(m.index + m[0].length)
        if (line === '') {
          if (data.length > 0) yield { event: event === '' ? 'message' : event, data: data.join('\n'), id, retry }
          event = ''
          data = []
          id = undefined
          continue
        }
        if (line.startsWith(':')) continue
        const colon = line.indexOf(':')
        const field = colon < 0 ? line : line.slice(0, colon)
        let v = colon < 0 ? '' : line.slice(colon + 1)
        if (v.startsWith(' ')) v = v.slice(1)
        if (field === 'event') event = v
        else if (field === 'data') data.push(v)
        else if (field === 'id' && !v.includes('\0')) id = v
        else if (field === 'retry' && /^[0-9]+$/.test(v)) retry = Number(v)
      }
    }
  } finally {
    reader.releaseLock()
  }
}
