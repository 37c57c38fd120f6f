// hyperswarm, hyperdht and protomux ship no TypeScript types: the parts this package uses.

declare module 'hyperdht' {
  import type { EventEmitter } from 'node:events'
  export interface KeyPair { publicKey: Buffer; secretKey: Buffer }
  export interface DHTOptions {
    bootstrap?: Array<{ host: string; port: number } | string>
    host?: string
    port?: number
    keyPair?: KeyPair
    ephemeral?: boolean
    firewalled?: boolean
    anyPort?: boolean
  }
  export default class DHT extends EventEmitter {
    constructor(opts?: DHTOptions)
    static keyPair(seed?: Uint8Array): KeyPair
    static bootstrapper(port: number, host: string, opts?: DHTOptions): DHT
    ready(): Promise<void>
    destroy(opts?: { force?: boolean }): Promise<void>
    address(): { host: string; port: number }
  }
}

declare module 'hyperswarm' {
  import type { EventEmitter } from 'node:events'
  import type DHT from 'hyperdht'
  import type { KeyPair } from 'hyperdht'
  import type { Duplex } from 'streamx'
  export interface NoiseConnection extends Duplex {
    handshakeHash: Buffer
    remotePublicKey: Buffer
    publicKey: Buffer
    isInitiator: boolean
  }
  export interface PeerDiscovery {
    flushed(): Promise<void>
    refresh(opts?: { client?: boolean; server?: boolean }): Promise<void>
    destroy(): Promise<void>
  }
  export default class Hyperswarm extends EventEmitter {
    constructor(opts?: { dht?: DHT; keyPair?: KeyPair; maxPeers?: number; firewall?: (remotePublicKey: Buffer) => boolean })
    readonly connections: Set<NoiseConnection>
    readonly keyPair: KeyPair
    join(topic: Uint8Array, opts?: { server?: boolean; client?: boolean }): PeerDiscovery
    joinPeer(publicKey: Uint8Array): void
    listen(): Promise<void>
    flush(): Promise<void>
    destroy(opts?: { force?: boolean }): Promise<void>
    on(event: 'connection', listener: (conn: NoiseConnection, info: unknown) => void): this
    on(event: string, listener: (...args: unknown[]) => void): this
  }
}

declare module 'protomux' {
  import type { Encoder } from 'compact-encoding'
  export interface Message<T> {
    send(value: T): boolean
  }
  export interface Channel {
    readonly opened: boolean
    readonly closed: boolean
    open(handshake?: unknown): void
    close(): void
    cork(): void
    uncork(): void
    addMessage<T>(opts: { encoding: Encoder<T>; onmessage: (value: T) => unknown }): Message<T>
  }
  export default class Protomux {
    constructor(stream: unknown)
    static from(stream: unknown): Protomux
    createChannel(opts: {
      protocol: string
      id?: Uint8Array | null
      handshake?: Encoder<unknown>
      onopen?: (handshake: unknown) => unknown
      onclose?: () => unknown
      ondrain?: () => unknown
      ondestroy?: () => unknown
    }): Channel | null
    readonly drained: boolean
  }
}
