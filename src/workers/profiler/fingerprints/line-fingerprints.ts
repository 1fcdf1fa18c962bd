/**
 * The profiler's reading of a line's fingerprints (see `extractFingerprints`),
 * kept apart from `ProfilerSemantics` so that it costs a line nothing unless
 * its event type or its fields text may carry one.
 */
import type {Fingerprint, HeadersMemory} from '../../../logs/fingerprints/extract-fingerprints.js'
import type {LineMeaning, LogSemantics} from '../fold.js'

import {extractFingerprints, FINGERPRINT_EVENT_TYPES, probedAttacker} from '../../../logs/fingerprints/extract-fingerprints.js'
import {normaliseEventType} from '../../../logs/fields.js'
import {BoundedMap} from '../../../util/bounded-map.js'

type Row = Parameters<LogSemantics['describe']>[0]

/** Distinct `headers` texts remembered (see `HeadersMemory`); past this, the memory starts over. */
const MAX_HEADERS_TEXTS = 1000
/** Distinct fingerprint values whose SHA-256 is remembered; past this, the memory starts over. */
const MAX_HASHED_VALUES = 10_000
/** Longer values are not remembered (rare, and a flood of them must not fill memory). */
const MAX_HASHED_CHARS = 512

/**
 * Adds a line's fingerprints to its meaning, remembering the fingerprints of
 * the last `headers` texts seen and the SHA-256 of the last values hashed
 * (one instance per `ProfilerSemantics`).
 */
export class LineFingerprints implements HeadersMemory {
  /** Longer `headers` texts are not remembered: rare and costly to keep, and a flood of huge ones must not fill memory. */
  readonly #headers = new BoundedMap<readonly Fingerprint[]>(MAX_HEADERS_TEXTS, 4096)
  readonly #hashes = new BoundedMap<string>(MAX_HASHED_VALUES, MAX_HASHED_CHARS)
  /** Event types seen, and whether each is a fingerprint event type (a fleet has tens). */
  readonly #types = new BoundedMap<boolean>(MAX_HEADERS_TEXTS)

  /** Whether `row` may carry a fingerprint: a fingerprint event type, or a `headers` field (the cold build asks this of every line). */
  may(row: Row): boolean {
    let fingerprintType = this.#types.get(row.event_type)
    if (fingerprintType === undefined) {
      fingerprintType = FINGERPRINT_EVENT_TYPES.has(normaliseEventType(row.event_type))
      this.#types.set(row.event_type, fingerprintType)
    }

    return fingerprintType || row.fields.includes('"headers"')
  }

  get(headers: string): readonly Fingerprint[] | undefined {
    return this.#headers.get(headers)
  }

  set(headers: string, fingerprints: readonly Fingerprint[]): void {
    this.#headers.set(headers, fingerprints)
  }

  sha256Of(value: string): string | undefined {
    return this.#hashes.get(value)
  }

  rememberSha256(value: string, sha256: string): void {
    this.#hashes.set(value, sha256)
  }

  /** `meaning` with the fingerprints of `row` (whose fields are `fields`), and the attacker a prober line is about; `meaning` itself when it has neither. */
  with(meaning: LineMeaning, row: Row, fields: Readonly<Record<string, unknown>>): LineMeaning {
    const service = row.service ?? ''
    const fingerprints = extractFingerprints(service, row.event_type, fields, this)
    if (fingerprints.length === 0) return meaning
    const probed = probedAttacker(service, fields)
    // meanings of plain lines are shared and frozen: a new one
    return probed === null ? {...meaning, fingerprints} : {...meaning, fingerprints, probed}
  }
}
