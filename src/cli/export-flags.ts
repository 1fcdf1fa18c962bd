/**
 * What every `decnet export FORMAT` takes: attacker IPs, a time window, an
 * output file and the database; read once here into an `AttackerFilter`.
 */
import * as Args from '@oclif/core/args'
import * as Flags from '@oclif/core/flags'
import {isIP} from 'node:net'

import type {AttackerFilter} from '../attackers/read-attacker-pages.js'

import {databaseFlag} from './database-command.js'
import {FlagValueError} from './seconds.js'
import {normaliseIp} from '../logs/attacker-ip.js'

/** The attacker IPs an export may be limited to (any number of them). */
export const exportArgs = {
  ip: Args.string({description: 'Attacker IP addresses (IPv4 or IPv6) to export; all attackers when none is given.'}),
}

/** The flags every export takes. */
export const exportFlags = {
  db: databaseFlag,
  output: Flags.string({
    char: 'o',
    helpValue: 'FILE',
    summary: 'Write to FILE (created 0600 beside it, then renamed over it; never through a symbolic link) instead of standard output.',
  }),
  since: Flags.string({helpValue: 'WHEN', summary: 'Only attackers seen at or after WHEN: a duration back from now (90s, 30m, 24h, 7d) or an ISO-8601 time.'}),
  until: Flags.string({helpValue: 'WHEN', summary: 'Only attackers first seen at or before WHEN (as --since).'}),
}

const UNITS: Readonly<Record<string, number>> = Object.freeze({d: 86_400, h: 3600, m: 60, s: 1, w: 604_800})

/**
 * A `--since`/`--until` value as an ISO-8601 UTC time: a duration back from
 * `now` (`24h`, `7d`, `90s`, `30m`, `2w`) or a date or time.
 *
 * @throws FlagValueError naming the flag and what it got.
 * @example
 * ```ts
 * timeBound('--since', '24h', Date.parse('2026-12-07T12:00:00Z')) // '2026-12-06T12:00:00.000Z'
 * ```
 */
export function timeBound(flag: string, value: string, now = Date.now()): string {
  const relative = /^(\d+(?:\.\d+)?)([smhdw])$/.exec(value.trim())
  if (relative) return new Date(now - Number(relative[1]) * UNITS[relative[2]] * 1000).toISOString()
  const time = /^\d{4}-\d{2}-\d{2}/.test(value.trim()) ? Date.parse(value.trim()) : Number.NaN
  if (!Number.isFinite(time)) throw new FlagValueError(flag, `Expected \`${flag}\` to be a duration (90s, 30m, 24h, 7d, 2w) or an ISO-8601 time (2026-12-01 or 2026-12-01T08:00:00Z), got \`${value}\``)
  return new Date(time).toISOString()
}

/**
 * The filter the command line asks for: IPs as stored (`normaliseIp`), and
 * the window.
 *
 * @throws FlagValueError for an IP that is not an address, a bad time, or a window that ends before it starts.
 */
export function exportFilter(ips: readonly string[], flags: {since?: string; until?: string}, now = Date.now()): AttackerFilter {
  const normalised = ips.map((text) => {
    const ip = isIP(text.trim()) === 0 ? null : normaliseIp(text.trim())
    if (ip === null) throw new FlagValueError('IP', `Expected an IPv4 or IPv6 address, got \`${text}\``)
    return ip
  })
  const since = flags.since === undefined ? undefined : timeBound('--since', flags.since, now)
  const until = flags.until === undefined ? undefined : timeBound('--until', flags.until, now)
  if (since !== undefined && until !== undefined && until < since) throw new FlagValueError('--until', `Expected \`--until\` (${until}) to be at or after \`--since\` (${since})`)
  return {...(normalised.length > 0 && {ips: [...new Set(normalised)]}), ...(since !== undefined && {since}), ...(until !== undefined && {until})}
}
