/**
 * The profiler's reading of a line's fingerprints (see `extractFingerprints`),
 * kept apart from `ProfilerSemantics` so that it costs a line nothing unless
 * its event type or its fields text may carry one.
 */
import type {LineMeaning, LogSemantics} from '../fold.js'

import {extractFingerprints, FINGERPRINT_EVENT_TYPES, probedAttacker} from '../../../logs/fingerprints/extract-fingerprints.js'
import {normaliseEventType} from '../../../logs/fields.js'

type Row = Parameters<LogSemantics['describe']>[0]

/** Whether `row` may carry a fingerprint: a fingerprint event type, or a `headers` field. */
export function mayFingerprint(row: Row): boolean {
  return FINGERPRINT_EVENT_TYPES.has(row.event_type) || row.fields.includes('"headers"') || FINGERPRINT_EVENT_TYPES.has(normaliseEventType(row.event_type))
}

/** `meaning` with the fingerprints of `row` (whose fields are `fields`), and the attacker a prober line is about; `meaning` itself when it has neither. */
export function withFingerprints(meaning: LineMeaning, row: Row, fields: Readonly<Record<string, unknown>>): LineMeaning {
  const service = row.service ?? ''
  const fingerprints = extractFingerprints(service, row.event_type, fields)
  if (fingerprints.length === 0) return meaning
  const probed = probedAttacker(service, fields)
  // meanings of plain lines are shared and frozen: a new one
  return probed === null ? {...meaning, fingerprints} : {...meaning, fingerprints, probed}
}
