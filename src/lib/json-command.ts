import {Command} from '@oclif/core'

/**
 * The base of every command with `--json`. oclif prints a `--json` command's
 * error as JSON and then exits 1 whatever exit code the error carried; this
 * keeps the code, so `decnet attackers show IP --json` still exits 11 for an
 * unknown address, as it does without `--json`.
 *
 * @example
 * ```ts
 * export default class Status extends JsonCommand {
 *   static override enableJsonFlag = true
 * }
 * ```
 */
export abstract class JsonCommand extends Command {
  protected override async catch(error: Error & {oclif?: {exit?: number}}): Promise<unknown> {
    process.exitCode ??= error.oclif?.exit
    return super.catch(error)
  }
}
