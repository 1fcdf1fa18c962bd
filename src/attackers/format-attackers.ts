/**
 * Human-readable renderings of attacker profiles (the `--json` output is the
 * profiles themselves).
 */
import type {AttackerProfile, TechniqueCount} from './attacker-profile.js'

const TOP_TECHNIQUES = 3

/**
 * A table of attackers, one per line, in the order given.
 *
 * @example
 * ```ts
 * console.log(formatAttackerTable(await listAttackers(db, {limit: 20})))
 * ```
 */
export function formatAttackerTable(profiles: readonly AttackerProfile[]): string {
  const header = ['IP', 'LAST SEEN', 'EVENTS', 'AUTH', 'CMDS', 'SERVICES', 'DECKIES', 'TECHNIQUES']
  const rows = profiles.map((p) => [
    p.ip,
    shortTime(p.lastSeen),
    String(p.eventCount),
    String(p.authAttempts),
    String(p.commands.length),
    p.services.join(',') || '-',
    p.traversalPath ?? (p.deckies.join(',') || '-'),
    topTechniques(p.techniques),
  ])
  return table([header, ...rows], [false, false, true, true, true, false, false, false])
}

/** Everything known about one attacker, as labelled lines. */
export function formatAttackerDetail(p: AttackerProfile): string {
  const lines = [
    `attacker ${p.ip}`,
    `  first seen     ${p.firstSeen}`,
    `  last seen      ${p.lastSeen}`,
    `  events         ${p.eventCount}`,
    `  auth attempts  ${p.authAttempts}`,
    `  services       ${printable(p.services.join(', ')) || '-'}`,
    `  deckies        ${printable(p.deckies.join(', ')) || '-'}`,
    `  traversal      ${printable(p.traversalPath ?? 'no')}`,
    `  techniques     ${p.techniques.length === 0 ? '-' : ''}`,
  ]
  if (p.techniques.length > 0) {
    const rows = p.techniques.map((t) => [t.techniqueId, t.tactic, `${t.count}`])
    lines.push(indent(table([['TECHNIQUE', 'TACTIC', 'LINES'], ...rows], [false, false, true]), 4))
  }

  lines.push(`  commands       ${p.commands.length === 0 ? '-' : p.commands.length}`)
  if (p.commands.length > 0) {
    const rows = p.commands.map((c) => [shortTime(c.timestamp), c.decky, c.service, c.command])
    lines.push(indent(table([['TIME', 'DECKY', 'SERVICE', 'COMMAND'], ...rows], [false, false, false, false]), 4))
  }

  return lines.join('\n')
}

function topTechniques(techniques: readonly TechniqueCount[]): string {
  if (techniques.length === 0) return '-'
  const ids = [...new Set(techniques.map((t) => t.techniqueId))]
  const shown = ids.slice(0, TOP_TECHNIQUES).join(',')
  return ids.length > TOP_TECHNIQUES ? `${shown} +${ids.length - TOP_TECHNIQUES}` : shown
}

/** `2026-11-26T13:32:51.123Z` -> `2026-11-26 13:32:51Z`. */
function shortTime(iso: string): string {
  const match = /^(\d{4}-\d{2}-\d{2})T(\d{2}:\d{2}:\d{2})/.exec(iso)
  return match ? `${match[1]} ${match[2]}Z` : iso
}

/** Attacker-controlled text must not drive the operator's terminal. */
function printable(text: string): string {
  // eslint-disable-next-line no-control-regex
  return text.replace(/[\u0000-\u001F\u007F-\u009F]/g, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`)
}

function table(rows: readonly string[][], rightAligned: readonly boolean[]): string {
  const cells = rows.map((row) => row.map((cell) => printable(cell)))
  const widths = cells[0].map((_, i) => Math.max(...cells.map((row) => row[i].length)))
  return cells
    .map((row) =>
      row
        .map((cell, i) => (i === row.length - 1 && !rightAligned[i] ? cell : rightAligned[i] ? cell.padStart(widths[i]) : cell.padEnd(widths[i])))
        .join('  '),
    )
    .join('\n')
}

function indent(text: string, spaces: number): string {
  return text
    .split('\n')
    .map((line) => ' '.repeat(spaces) + line)
    .join('\n')
}
