import {Command} from '@oclif/core/command'
import {CLIError} from '@oclif/core/errors'

import {exitFor} from './error-exits.js'

/**
 * The base of decnet's commands: `run()` lets library errors propagate, and
 * this turns the ones in the error table (`ERROR_EXITS`, error-exits.ts) into their exit code and message
 * (anything else propagates as before: a bug shows its stack). With `--json`,
 * oclif prints the error as JSON and would then exit 1 whatever the code;
 * this keeps the code, so `decnet fleet status NAME --json` still exits 11
 * for a fleet that is not running.
 *
 * Imports `@oclif/core` by subpath: its index also loads `semver` (47
 * modules) only to check the node version, which the fleet master need not
 * hold (see docs/benchmarks.md).
 *
 * @example
 * ```ts
 * export default class FleetStop extends DecnetCommand {
 *   async run() {
 *     const {args} = await this.parse(FleetStop)
 *     return stopFleet(locateFleet(args.name, this.config)) // ControlError → exit 11 or 1
 *   }
 * }
 * ```
 */
export abstract class DecnetCommand extends Command {
  protected override async catch(error: Error & {oclif?: {exit?: number}}): Promise<unknown> {
    const mapped = exitFor(error)
    const shown = mapped
      ? new CLIError(mapped.message ?? error.message, {exit: mapped.exit, suggestions: mapped.suggestions && [...mapped.suggestions]})
      : error
    process.exitCode ??= (shown as typeof error).oclif?.exit
    return super.catch(shown)
  }
}
