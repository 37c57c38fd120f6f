import type { RegisterState } from '@swarmkv/core'
import type { Store } from './store.js'
import type { KeyStates } from './key-states.js'
import type { EarlyView } from './early-view.js'
import { listLive } from './listing.js'

/**
 * Register reads, newest first: the early view (replicated writes readable before their
 * commit), then the materialised key states, then the store.
 */
export class RegisterReads {
  constructor(private readonly store: Store, private readonly states: KeyStates, private readonly early: () => EarlyView | undefined) {}

  /** Engine.get. */
  get(key: string): RegisterState | undefined {
    const early = this.early()?.states.get(key)
    if (early !== undefined) return early
    return this.states.read(key, this.store)
  }

  /** Engine.list: live keys in order, paged, as `get` reads them. */
  list(prefix: string, after: string | undefined, limit: number): Promise<{ keys: string[]; next: string | null }> {
    return listLive((from, n) => this.store.listRegisters({ prefix, after: from, limit: n }), () => this.unflushed(), prefix, after, limit)
  }

  /** The state maps bulk readers merge over the store's: the early view, then the uncheckpointed states. */
  private unflushed(): ReadonlyArray<ReadonlyMap<string, RegisterState>> {
    const early = this.early()?.states
    const rest = this.states.unflushed()
    return early === undefined ? rest : [early, ...rest]
  }
}
