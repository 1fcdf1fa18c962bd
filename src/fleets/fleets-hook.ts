/**
 * The custom oclif hook `decnet:fleets`, typed by declaration merging on
 * @oclif/core's `Hooks` interface: it takes no options and returns the
 * fleets a plugin contributes.
 */
import type {Hook} from '@oclif/core'

import type {FleetDefinition} from './types.js'

/** The name of the hook every fleet-contributing plugin implements. */
export const FLEETS_HOOK = 'decnet:fleets'

declare module '@oclif/core/hooks' {
  interface Hooks {
    'decnet:fleets': {
      options: Record<string, never>
      return: FleetDefinition[]
    }
  }
}

/**
 * The type of a `decnet:fleets` hook, for plugins written in TypeScript.
 *
 * @example
 * ```ts
 * import type {FleetsHook} from 'decnet'
 *
 * const hook: FleetsHook = async () => [{name: 'mine', description: '...', profile: 'database', workers: [...]}]
 * export default hook
 * ```
 */
export type FleetsHook = Hook<'decnet:fleets'>
