import {Command} from '@oclif/core'

import {writeOut} from './write-out.js'

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
  #printed = false

  protected override async catch(error: Error & {oclif?: {exit?: number}}): Promise<unknown> {
    process.exitCode ??= error.oclif?.exit
    return super.catch(error)
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
    let first = true
    for await (const item of items) {
      await writeOut(`${first ? '[' : ','}\n  ${JSON.stringify(item, null, 2).replaceAll('\n', '\n  ')}`)
      first = false
    }

    await writeOut(first ? '[]\n' : '\n]\n')
  }

  /** Marks the output as printed by the command itself (see {@link printJsonArray}). */
  protected markPrinted(): void {
    this.#printed = true
  }

  override logJson(json: unknown): void {
    if (!this.#printed) super.logJson(json)
  }
}
