/**
 * `decnet attackers show`'s text for an attacker's stored mail, SMTP target
 * domains and recorded sessions (with the commands inside each). Every value
 * is attacker text, shown through `printable`.
 */
import type {AttackerMail, AttackerSession, AttackerSmtpTarget} from './attacker-profile.js'

import {indent, printable, shortTime, table} from './text-table.js'

/**
 * The `mail` section: one block per stored mail, the newest first: when,
 * where, its size and recipients' domains, then its subject, sender and
 * attachments.
 *
 * @example
 * ```ts
 * console.log(formatAttackerMail(detail.mail, detail.mailCount))
 * ```
 */
export function formatAttackerMail(mail: readonly AttackerMail[], count: number): string {
  const lines = [`  mail           ${count}${count > mail.length ? ` (the newest ${mail.length})` : ''}`]
  for (const m of mail) {
    const to = m.recipientDomains.length === 0 ? '' : ` to ${m.recipientDomains.join(', ')}`
    const recipients = `${m.recipientCount} recipient${m.recipientCount === 1 ? '' : 's'}`
    lines.push(`    ${shortTime(m.timestamp)}  ${printable(m.decky)}  ${m.size === null ? '-' : m.size} bytes  ${recipients}${printable(to)}`)
    if (m.subject !== null) lines.push(`      subject     ${printable(m.subject)}`)
    if (m.from !== null || m.mailFrom !== null) {
      const envelope = m.mailFrom === null || m.mailFrom === m.from ? '' : `${m.from === null ? '' : '  '}(envelope ${m.mailFrom})`
      lines.push(`      from        ${printable(`${m.from ?? ''}${envelope}`)}`)
    }

    if (m.xMailer !== null) lines.push(`      x-mailer    ${printable(m.xMailer)}`)
    if (m.sha256 !== null) lines.push(`      sha256      ${m.sha256}${m.truncated === true ? ' (truncated)' : ''}`)
    for (const a of m.attachments) {
      const flags = [a.macro === true ? 'macro' : '', a.encrypted === true ? 'encrypted' : ''].filter((flag) => flag !== '').join(',')
      const size = a.size === null ? '' : `  ${a.size} bytes`
      lines.push(`      attachment  ${printable(`${a.filename ?? '-'}  ${a.contentType ?? '-'}${size}  ${a.sha256 ?? '-'}${flags === '' ? '' : `  ${flags}`}`)}`)
    }

    const unlisted = (m.attachmentCount ?? 0) - m.attachments.length
    if (unlisted > 0) lines.push(`      attachment  (${unlisted} more)`)
  }

  return lines.join('\n')
}

/** The `smtp targets` section: a table of the domains the attacker tried to reach, the most tried first. */
export function formatSmtpTargets(targets: readonly AttackerSmtpTarget[], count: number): string {
  const rows = targets.map((t) => [t.domain, `${t.count}`, `${t.messages}`, shortTime(t.firstSeen), shortTime(t.lastSeen)])
  return [
    `  smtp targets   ${count}${count > targets.length ? ` (the ${targets.length} most tried)` : ''}`,
    indent(table([['DOMAIN', 'RCPT', 'MESSAGES', 'FIRST SEEN', 'LAST SEEN'], ...rows], [false, true, true, false, false]), 4),
  ].join('\n')
}

/** The `sessions` section: a table of the sessions, each followed by the commands that fell inside it. */
export function formatSessions(sessions: readonly AttackerSession[]): string {
  const rows = sessions.map((s) => [
    shortTime(s.timestamp), s.decky, s.service, s.durationS === null ? '-' : `${s.durationS}`, s.bytes === null ? '-' : `${s.bytes}`, `${s.commandCount}`, s.id ?? '-',
  ])
  const [header, ...lines] = table([['ENDED', 'DECKY', 'SERVICE', 'SECONDS', 'BYTES', 'COMMANDS', 'ID'], ...rows], [false, false, false, true, true, true, false]).split('\n')
  const out = [`  sessions       ${sessions.length}`, `    ${header}`]
  for (const [i, line] of lines.entries()) {
    out.push(`    ${line}`)
    const {commandCount, commands} = sessions[i]
    for (const c of commands) out.push(`      ${shortTime(c.timestamp)}  ${printable(c.command)}`)
    if (commandCount > commands.length) out.push(`      (${commandCount - commands.length} more)`)
  }

  return out.join('\n')
}
