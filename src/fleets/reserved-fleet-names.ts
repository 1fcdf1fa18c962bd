/**
 * Names a fleet may not take, because `decnet fleet NAME` would be read as a
 * subcommand (`decnet fleet list`) instead. The registry also refuses the
 * name of any `fleet` subcommand an installed plugin adds.
 */
export const RESERVED_FLEET_NAMES: readonly string[] = Object.freeze([
  'help',
  'list',
  'logs',
  'reload',
  'restart',
  'start',
  'status',
  'stop',
  'unit',
])
