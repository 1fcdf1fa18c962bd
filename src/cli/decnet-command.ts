import {Command} from '@oclif/core/command'
import {CLIError} from '@oclif/core/errors'

import {exitFor} from './error-exits.js'
import {writeOut} from './write-out.js'

/**
 * The base of decnet's commands: `run()` lets library errors propagate, and
 * this turns the ones in the error table (`ERROR_EXITS`, error-exits.ts) into their exit code and message
 * (anything else propagates as before: a bug shows its stack). With `--json`,
 * oclif prints the error as JSON and would then exit 1 whatever the code;
 * this keeps the code, so `decnet fleet status NAME --json` still exits 11
 * for a fleet that is not running. `printJsonArray` streams a long `--json`
 * array instead of building it as one string.
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
  #printed = false

  protected override async catch(error: Error & {oclif?: {exit?: number}}): Promise<unknown> {
    const mapped = exitFor(error)
    const shown = mapped
      ? new CLIError(mapped.message ?? error.message, {exit: mapped.exit, suggestions: mapped.suggestions && [...mapped.suggestions]})
      : error
    process.exitCode ??= (shown as typeof error).oclif?.exit
    return super.catch(shown)
  }

  /**
   * Prints `items` as the JSON array `--json` would print (two-space
   * indentation), one item at a time, so that output of hundreds of MB is
   * never one string; oclif then prints nothing more on success. oclif's own
   * printing builds the whole text and colours it token by token: for 50
   * attacker profiles of 64 KiB commands that took `decnet attackers --json`
   * from ~110 MB to 250 MB RSS.
   */
  protected async printJsonArray(items: Iterable<unknown> | AsyncIterable<unknown>): Promise<void> {
    this.#printed = true
    await writeJsonArray(items, '')
    await writeOut('\n')
  }

  /**
   * Prints the object `head` with one more key, `key`, whose array value is
   * `items`, streamed as {@link printJsonArray} streams (`{total, limit,
   * offset, attackers: [...]}`).
   */
  protected async printJsonObjectWith(head: Readonly<Record<string, unknown>>, key: string, items: Iterable<unknown> | AsyncIterable<unknown>): Promise<void> {
    this.#printed = true
    const fields = Object.entries(head).map(([name, value]) => `  ${JSON.stringify(name)}: ${JSON.stringify(value, null, 2).replaceAll('\n', '\n  ')},\n`)
    await writeOut(`{\n${fields.join('')}  ${JSON.stringify(key)}: `)
    await writeJsonArray(items, '  ')
    await writeOut('\n}\n')
  }

  /** Marks the output as printed by the command itself (see {@link printJsonArray}): `--json` prints nothing more. */
  protected markPrinted(): void {
    this.#printed = true
  }

  override logJson(json: unknown): void {
    if (!this.#printed) super.logJson(json)
  }
}

/** Writes `items` as a JSON array (two-space indentation, each line after the first prefixed by `indent`), one item at a time. */
async function writeJsonArray(items: Iterable<unknown> | AsyncIterable<unknown>, indent: string): Promise<void> {
  let first = true
  for await (const item of items) {
    await writeOut(`${first ? '[' : ','}\n${indent}  ${JSON.stringify(item, null, 2).replaceAll('\n', `\n${indent}  `)}`)
    first = false
  }

  await writeOut(first ? '[]' : `\n${indent}]`)
}
