/**
 * Human-readable renderings of attacker profiles (the `--json` output is the
 * profiles themselves).
 */
import type {AttackerCommand, AttackerDetail, AttackerProfile, TechniqueCount} from './attacker-profile.js'

import {formatBehavior} from './format-behavior.js'
import {formatAttackerCredentials} from './format-credentials.js'
import {formatAttackerFingerprints} from './format-fingerprints.js'
import {formatAttackerMail, formatSessions, formatSmtpTargets} from './format-mail.js'
import {indent, printable, shortTime, table} from './text-table.js'

const TOP_TECHNIQUES = 3
/** `2026-11-26 13:32:51Z`. */
const TIME_WIDTH = 20

/**
 * A table of attackers, one per line, in the order given.
 *
 * @example
 * ```ts
 * console.log(formatAttackerTable(await listAttackers(db, {limit: 20})))
 * ```
 */
export function formatAttackerTable(profiles: readonly AttackerProfile[]): string {
  const header = ['IP', 'CC', 'LAST SEEN', 'EVENTS', 'AUTH', 'CMDS', 'BEHAVIOR', 'SERVICES', 'DECKIES', 'TECHNIQUES']
  const rows = profiles.map((p) => [
    p.ip,
    p.country ?? '-',
    shortTime(p.lastSeen),
    String(p.eventCount),
    String(p.authAttempts),
    String(p.commandCount),
    p.behaviorClass ?? '-',
    p.services.join(',') || '-',
    p.traversalPath ?? (p.deckies.join(',') || '-'),
    topTechniques(p.techniques),
  ])
  return table([header, ...rows], [false, false, false, true, true, true, false, false, false, false])
}

/** Everything known about one attacker, as labelled lines (its commands from `p.commands`). */
export function formatAttackerDetail(p: AttackerProfile | AttackerDetail): string {
  const lines = [formatAttackerHead(p)]
  if (p.commands.length > 0) {
    const widths = commandWidths(p.commands)
    lines.push(formatCommandHeader(widths), ...p.commands.map((c) => formatCommandLine(c, widths)))
  }

  const tail = formatAttackerTail(p)
  if (tail !== '') lines.push(tail)
  return lines.join('\n')
}

/**
 * The lines of {@link formatAttackerDetail} before its commands (down to
 * `commands N`, N being `commandCount`); with `decnet attackers show`'s
 * service activity, behaviour, credentials and fingerprints, when there are
 * any, just before that line (see {@link formatAttackerTail} for what follows
 * the commands).
 */
export function formatAttackerHead(p: AttackerProfile | AttackerDetail): string {
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

  if ('serviceActivity' in p) {
    const {interacted, scanned} = p.serviceActivity
    if (interacted.length > 0) lines.push(`  interacted     ${printable(interacted.join(', '))}`)
    if (scanned.length > 0) lines.push(`  only scanned   ${printable(scanned.join(', '))}`)
  }

  if ('behavior' in p && p.behavior !== null) lines.push(formatBehavior(p.behavior))
  if ('credentials' in p && p.credentialCount > 0) lines.push(formatAttackerCredentials(p.credentials, p.credentialCount))
  if ('fingerprints' in p && p.fingerprintCount > 0) lines.push(formatAttackerFingerprints(p.fingerprints, p.fingerprintCount))
  lines.push(`  commands       ${p.commandCount === 0 ? '-' : p.commandCount}`)
  return lines.join('\n')
}

/**
 * The lines of {@link formatAttackerDetail} after its commands: `decnet
 * attackers show`'s captured files, stored mail, SMTP targets and recorded
 * sessions (with the commands inside each), then the enrichment (country,
 * network), each only when it has content; `''` when none has.
 */
export function formatAttackerTail(p: AttackerProfile | AttackerDetail): string {
  const lines: string[] = []
  if ('artifacts' in p) {
    if (p.artifacts.length > 0) {
      const rows = p.artifacts.map((f) => [shortTime(f.timestamp), f.decky, f.sha256?.slice(0, 16) ?? '-', f.size === null ? '-' : `${f.size}`, f.writer.comm ?? '-', f.path ?? '-'])
      lines.push(`  files          ${p.artifacts.length}`, indent(table([['TIME', 'DECKY', 'SHA256', 'BYTES', 'WRITER', 'PATH'], ...rows], [false, false, false, true, false, false]), 4))
    }

    if (p.mailCount > 0) lines.push(formatAttackerMail(p.mail, p.mailCount))
    if (p.smtpTargetCount > 0) lines.push(formatSmtpTargets(p.smtpTargets, p.smtpTargetCount))
    if (p.sessions.length > 0) lines.push(formatSessions(p.sessions))
  }

  if (p.country !== null || p.asn !== null) {
    lines.push(
      '  enrichment',
      ...(p.country === null ? [] : [`    country    ${printable(p.country)}`]),
      ...(p.asn === null ? [] : [`    network    AS${p.asn}${p.asName === null ? '' : ` ${printable(p.asName)}`}`]),
    )
  }

  return lines.join('\n')
}

/** Column widths of a command table: the widest decky and service, as printed. */
export interface CommandWidths {
  decky: number
  service: number
}

/** The {@link CommandWidths} of `commands`. */
export function commandWidths(commands: Iterable<Pick<AttackerCommand, 'decky' | 'service'>>): CommandWidths {
  const widths = {decky: 'DECKY'.length, service: 'SERVICE'.length}
  for (const c of commands) {
    widths.decky = Math.max(widths.decky, printable(c.decky).length)
    widths.service = Math.max(widths.service, printable(c.service).length)
  }

  return widths
}

/** The header line of a command table, indented under {@link formatAttackerHead}. */
export function formatCommandHeader(widths: CommandWidths): string {
  return commandRow(['TIME', 'DECKY', 'SERVICE', 'COMMAND'], widths)
}

/** One command as a line of the table, so a long list can be printed as it is read. */
export function formatCommandLine(c: AttackerCommand, widths: CommandWidths): string {
  return commandRow([shortTime(c.timestamp), c.decky, c.service, c.command], widths)
}

function commandRow(cells: readonly string[], widths: CommandWidths): string {
  const [time, decky, service, command] = cells.map((cell) => printable(cell))
  return `    ${time.padEnd(TIME_WIDTH)}  ${decky.padEnd(widths.decky)}  ${service.padEnd(widths.service)}  ${command}`
}

function topTechniques(techniques: readonly TechniqueCount[]): string {
  if (techniques.length === 0) return '-'
  const ids = [...new Set(techniques.map((t) => t.techniqueId))]
  const shown = ids.slice(0, TOP_TECHNIQUES).join(',')
  return ids.length > TOP_TECHNIQUES ? `${shown} +${ids.length - TOP_TECHNIQUES}` : shown
}
