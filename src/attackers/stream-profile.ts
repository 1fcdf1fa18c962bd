/**
 * `decnet attackers show`'s output, written as the commands are read: the
 * profile's fields, then its commands one by one, then the rest (artifacts,
 * mail, sessions), so the process never holds the whole list.
 */
import type {AttackerCommand, AttackerDetail, AttackerProfile} from './attacker-profile.js'

import {commandWidths, formatAttackerHead, formatAttackerTail, formatCommandHeader, formatCommandLine} from './format-attackers.js'

/** Where the text goes; resolves when more may be written. */
export type WriteText = (text: string) => Promise<void>

// A string no profile field produces, so it marks where the commands go.
const SLOT = '\u0000commands\u0000'

/**
 * Writes `profile` as `JSON.stringify(profile, null, 2)` would with
 * `commands` replaced by those `commands` yields.
 *
 * @example
 * ```ts
 * await writeProfileJson(await findAttacker(db, ip, {commands: 0}), streamCommands(db, ip), writeOut)
 * ```
 */
export async function writeProfileJson(profile: AttackerProfile, commands: AsyncIterable<AttackerCommand>, write: WriteText): Promise<void> {
  const text = JSON.stringify({...profile, commands: [SLOT]}, null, 2)
  const slot = `\n    ${JSON.stringify(SLOT)}\n  ]`
  const at = text.indexOf(slot)
  if (at === -1) throw new Error('the commands of a profile have no place in its JSON') // unreachable: SLOT is one string
  let first = true
  await write(text.slice(0, at))
  for await (const command of commands) {
    await write(`${first ? '' : ','}\n    ${JSON.stringify(command, null, 2).replaceAll('\n', '\n    ')}`)
    first = false
  }

  await write(`${first ? ']' : '\n  ]'}${text.slice(at + slot.length)}\n`)
}

/**
 * Writes {@link formatAttackerDetail}'s text for `profile`, its commands as
 * `commands` yields them. Column widths come from the deckies and services
 * of the profile (a command's names are among them).
 */
export async function writeProfileText(profile: AttackerProfile | AttackerDetail, commands: AsyncIterable<AttackerCommand>, write: WriteText): Promise<void> {
  await write(`${formatAttackerHead(profile)}\n`)
  if (profile.commandCount > 0) {
    const names = [...profile.deckies.map((decky) => ({decky, service: ''})), ...profile.services.map((service) => ({decky: '', service}))]
    const widths = commandWidths(names)
    await write(`${formatCommandHeader(widths)}\n`)
    for await (const command of commands) await write(`${formatCommandLine(command, widths)}\n`)
  }

  const tail = formatAttackerTail(profile)
  if (tail !== '') await write(`${tail}\n`)
}
