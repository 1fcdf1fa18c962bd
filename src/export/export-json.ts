/**
 * `decnet export json`: every attacker profile the filter selects, one JSON
 * object per line (JSON Lines), in the shape of `decnet attackers show
 * --json` with every command; each attacker's commands are read a page at a
 * time (`streamCommands`) and written as they come.
 */
import type {AttackerCommand, AttackerDetail} from '../attackers/attacker-profile.js'
import type {ExportContext, ExportSummary} from './exported-attackers.js'
import type {WriteText} from './export-output.js'

import {readAttackerPages} from '../attackers/read-attacker-pages.js'
import {streamCommands} from '../attackers/read-recent-commands.js'

/**
 * Attackers per page: each carries up to 1,000 credentials (as `attackers
 * show` does), a few MB for a hostile one.
 */
export const JSON_PAGE = 25

/**
 * Writes one line per attacker.
 *
 * @example
 * ```ts
 * await exportJson({db, catalog, filter: {}, write: out.write})
 * ```
 */
export async function exportJson(context: ExportContext): Promise<ExportSummary> {
  let attackers = 0
  for await (const page of readAttackerPages(context.db, context.filter, {pageSize: JSON_PAGE})) {
    for (const attacker of page) {
      const commands = attacker.commandCount === 0 ? none() : streamCommands(context.db, attacker.ip)
      await writeProfileLine({...attacker, attackVersion: context.catalog.version}, commands, context.write)
      attackers++
    }
  }

  return {attackers, attackVersion: context.catalog.version}
}

// A string no profile field produces as a whole JSON array, so it marks where the commands go.
const SLOT = '\u0000commands\u0000'
const SLOT_TEXT = `"commands":[${JSON.stringify(SLOT)}]`

/**
 * Writes `profile` as `JSON.stringify` would on one line, with `commands`
 * replaced by those `commands` yields. The slot is found by its key: text
 * inside a JSON string cannot hold an unescaped `"`, so the first match is
 * the key itself.
 */
export async function writeProfileLine(profile: AttackerDetail & {attackVersion: string}, commands: AsyncIterable<AttackerCommand>, write: WriteText): Promise<void> {
  const text = JSON.stringify({...profile, commands: [SLOT]})
  const at = text.indexOf(SLOT_TEXT)
  if (at === -1) throw new Error('the commands of a profile have no place in its JSON') // unreachable: the key is written as is
  await write(text.slice(0, at + '"commands":['.length))
  let first = true
  for await (const command of commands) {
    await write(`${first ? '' : ','}${JSON.stringify(command)}`)
    first = false
  }

  await write(`${text.slice(at + SLOT_TEXT.length - 1)}\n`)
}

async function* none(): AsyncGenerator<AttackerCommand> {
  // an attacker without commands: nothing to read
}
