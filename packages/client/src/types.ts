/** Options for {@link SwarmkvClient}. */
export interface ClientOptions {
  /** Base URL of any node, e.g. `http://127.0.0.1:7001`; or `urls`. */
  readonly url?: string
  /** Several nodes: a call moves on to the next on a connection error or a 503. */
  readonly urls?: readonly string[]
  /** How long a read waits for this session's writes to arrive at the node, in ms. Default 5000. */
  readonly readWaitMs?: number
  /** Time for one call, failovers included, in ms. Default 10 000. */
  readonly timeoutMs?: number
  readonly fetch?: typeof fetch
  /** Bearer token, for nodes started with --token. */
  readonly token?: string
}

export interface GetResult {
  readonly value: Uint8Array
  readonly contentType: string
  readonly etag: string
  readonly context: string
  readonly siblings: number
}

export interface WriteOptions {
  readonly contentType?: string
  /** The X-Context of the state being replaced (from a get); absent: replace what the node has. */
  readonly context?: string
  /** Write only if the current ETag is one of these (`*`: the key exists). */
  readonly ifMatch?: string
  /** `*`: write only if the key does not exist. */
  readonly ifNoneMatch?: string
  /** Wait until this many nodes have the write. */
  readonly w?: number
  readonly timeoutMs?: number
  readonly signal?: AbortSignal
}

export interface WriteResult {
  readonly tokens: string[]
  /** The write created the key (201). */
  readonly created: boolean
  /** The new ETag, when the key has a value after the write. */
  readonly etag: string | undefined
}

export interface ReadOptions {
  readonly signal?: AbortSignal
  readonly timeoutMs?: number
}
