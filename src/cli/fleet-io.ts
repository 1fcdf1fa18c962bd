import type {FleetCatalog} from '../fleets/types.js'

/**
 * What `decnet fleet NAME` needs from whoever runs it: the oclif command
 * (src/commands/fleet/index.ts), or the lean path bin/run.js takes without
 * loading oclif (src/cli/lean-fleet.ts). Both print the same way: `log` and
 * `logToStderr` write a line, `warn` prints oclif's `Warning:` line, `error`
 * and `exit` end the command with a code.
 */
export interface FleetIo {
  /** decnet's data directory (oclif's `config.dataDir`). */
  readonly dataDir: string
  /** Every plugin's fleets (the `decnet:fleets` hooks), problems included. */
  catalog(): Promise<FleetCatalog>
  /** Ends the command: prints `message` as oclif's `Error:` and exits with `exit`. */
  error(message: string, options: {exit: number}): never
  /** Ends the command with `code`, printing nothing. */
  exit(code: number): never
  log(message: string): void
  logToStderr(message: string): void
  warn(message: string): Promise<void> | void
}
