/**
 * Tags of a counting rule on one event: one per technique it emits, with the
 * pattern rules' deterministic ids, and evidence made safe to show.
 */
import type {NewTtpTag} from '../../db/schema.js'
import type {CountingRule} from './counting-rules.js'

import {printableText} from '../../logs/credential.js'
import {sliceWhole} from '../../util/slice-whole.js'
import {MAX_EVIDENCE_LENGTH, ruleTags} from '../matcher.js'

/** The event a counting tag is attached to. */
export interface CountedEvent {
  readonly id: number
  readonly ip: string
  readonly timestamp: string
}

/** The tags `rule` makes on `event` with `evidence` (cut to the evidence limit). */
export function countingTags(rule: CountingRule, event: CountedEvent, evidence: string, attackVersion: null | string): NewTtpTag[] {
  const text = evidence.length > MAX_EVIDENCE_LENGTH ? `${sliceWhole(evidence, 0, MAX_EVIDENCE_LENGTH)}…` : evidence
  return ruleTags(rule, {attacker_ip: event.ip, id: event.id, timestamp: event.timestamp}, text, attackVersion)
}

/** Attacker text (a principal, a decky or service name) for evidence: control bytes escaped, at most `max` characters. */
export function shown(text: string, max = 32): string {
  const safe = printableText(text)
  return safe.length > max ? `${sliceWhole(safe, 0, max)}…` : safe
}

/** A secret's hash for evidence: its first 12 hex digits. */
export function shortHash(sha256: string): string {
  return `sha256 ${sha256.slice(0, 12)}…`
}
