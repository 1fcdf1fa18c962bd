/**
 * The fingerprints section of `decnet attackers show`: one line per
 * fingerprint, family by family. Every cell is attacker text made printable;
 * long values are cut (the JSON has them whole).
 */
import type {AttackerFingerprint} from './attacker-profile.js'

import {sliceWhole} from '../util/slice-whole.js'
import {indent, printable, shortTime, table} from './text-table.js'

/** Characters of a value a cell shows at most. */
const VALUE_CHARS = 64
/** Characters of the details summary a cell shows at most. */
const DETAILS_CHARS = 72

/**
 * `fingerprints N`, then a table of those carried (TYPE, VALUE, COUNT, LAST
 * SEEN, DETAILS), and how many were left out.
 *
 * @example
 * ```ts
 * formatAttackerFingerprints(profile.fingerprints, profile.fingerprintCount)
 * ```
 */
export function formatAttackerFingerprints(fingerprints: readonly AttackerFingerprint[], count: number): string {
  const lines = [`  fingerprints   ${count}`]
  const rows = fingerprints.map((f) => [f.type, cut(f.value, VALUE_CHARS), String(f.count), shortTime(f.lastSeen), cut(summary(f), DETAILS_CHARS)])
  lines.push(indent(table([['TYPE', 'VALUE', 'COUNT', 'LAST SEEN', 'DETAILS'], ...rows], [false, false, true, false, false]), 4))
  if (count > fingerprints.length) lines.push(`    (${fingerprints.length} of ${count} shown, the most seen; --json has the same ones)`)
  return lines.join('\n')
}

/** What a row's details say, in a few words: the classifier's verdict for a User-Agent, `name=value` pairs otherwise. */
function summary(f: AttackerFingerprint): string {
  const d = f.details
  if (f.type === 'http_useragent') {
    const signals = Array.isArray(d.signals) && d.signals.length > 0 ? ` [${d.signals.join(',')}]` : ''
    return `${String(d.category ?? '-')}${typeof d.tool === 'string' ? ` ${d.tool}` : ''}${signals}`
  }

  if (f.type === 'http_quirks') return `${String(d.casingCategory ?? '-')} casing, ${String(d.stableCount ?? '?')} headers${typeof d.toolGuess === 'string' ? `, like ${d.toolGuess}` : ''}`
  if (f.type === 'ip_leak' || f.type === 'spoofed_source') return `${String(d.header ?? '-')} (${String(d.category ?? '-')})`
  return Object.entries(d)
    .map(([name, value]) => `${name}=${typeof value === 'string' ? value : JSON.stringify(value)}`)
    .join(' ')
}

/** `text` printable and at most `max` characters (cut with `…`). */
function cut(text: string, max: number): string {
  const shown = printable(text)
  return shown.length > max ? `${sliceWhole(shown, 0, max - 1)}…` : shown
}
