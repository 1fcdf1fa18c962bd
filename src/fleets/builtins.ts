import type {FleetDefinition} from './types.js'

import {collect, collectBind} from './collect.js'
import {heavy} from './heavy.js'

/**
 * The fleets this package contributes, through its own `decnet:fleets` hook
 * like any plugin. Worker module paths are relative to the package root.
 */
export const BUILTIN_FLEETS: readonly FleetDefinition[] = Object.freeze([collect, collectBind, heavy])
