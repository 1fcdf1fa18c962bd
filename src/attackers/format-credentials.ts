/**
 * Credentials as tables: across attackers (`decnet credentials`) and one
 * attacker's (`decnet attackers show`). Every cell is attacker text made
 * printable; long secrets and principals are cut (the JSON has them whole).
 */
import type {AttackerCredential, CredentialSummary} from './attacker-profile.js'

import {sliceWhole} from '../util/slice-whole.js'
import {indent, printable, shortTime, table} from './text-table.js'

/** Characters of a secret or principal a table cell shows at most. */
const CELL_CHARS = 40

/**
 * `decnet credentials`' table: one line per (kind, secret, principal).
 *
 * @example
 * ```ts
 * console.log(formatCredentialTable(await listCredentials(db, {limit: 20})))
 * ```
 */
export function formatCredentialTable(credentials: readonly CredentialSummary[]): string {
  const header = ['PRINCIPAL', 'KIND', 'SECRET', 'ATTEMPTS', 'ATTACKERS', 'DECKIES', 'SERVICES', 'OUTCOME', 'LAST SEEN']
  const rows = credentials.map((c) => [
    cell(c.principal ?? '-'),
    c.secretKind,
    cell(c.secret || '""'),
    String(c.attempts),
    String(c.attackers),
    String(c.deckies),
    String(c.services),
    c.outcome ?? '-',
    shortTime(c.lastSeen),
  ])
  return table([header, ...rows], [false, false, false, true, true, true, true, false, false])
}

/**
 * The credentials section of `decnet attackers show`: `credentials N`, then a
 * table of those carried (the most tried first), and how many were left out.
 */
export function formatAttackerCredentials(credentials: readonly AttackerCredential[], count: number): string {
  const lines = [`  credentials    ${count}`]
  const header = ['PRINCIPAL', 'KIND', 'SECRET', 'SERVICE', 'DECKY', 'ATTEMPTS', 'OUTCOME', 'LAST SEEN']
  const rows = credentials.map((c) => [
    cell(c.principal ?? '-'),
    c.secretKind,
    cell(c.secret || '""'),
    c.service,
    c.decky,
    String(c.attempts),
    c.outcome ?? '-',
    shortTime(c.lastSeen),
  ])
  lines.push(indent(table([header, ...rows], [false, false, false, false, false, true, false, false]), 4))
  if (count > credentials.length) lines.push(`    (${credentials.length} of ${count} shown, the most tried; --json has the same ones)`)
  return lines.join('\n')
}

/** A cell's text, printable and at most {@link CELL_CHARS} characters (cut with `…`). */
function cell(text: string): string {
  const shown = printable(text)
  return shown.length > CELL_CHARS ? `${sliceWhole(shown, 0, CELL_CHARS - 1)}…` : shown
}
