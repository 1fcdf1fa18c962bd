/**
 * This package's own `decnet:fleets` hook: the core is just another plugin,
 * so the built-in fleets reach the registry the same way a plugin's do.
 */
import type {FleetsHook} from '../fleets/fleets-hook.js'

import {BUILTIN_FLEETS} from '../fleets/builtins.js'

/** Returns the built-in fleets (fresh copies, so no caller can change the originals). */
const hook: FleetsHook = async function () {
  return structuredClone([...BUILTIN_FLEETS])
}

export default hook
