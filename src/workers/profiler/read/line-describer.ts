/**
 * What the profiler keeps of a line it reads, worked out as soon as a chunk
 * of lines arrives: a batch's lines live until its tick ends (100,000 of them
 * during a backlog), so whatever they hold survives V8's young generation
 * and is copied out of it, scavenge after scavenge. Kept small and made early,
 * the rest dies young and costs the collector nothing.
 */
import type {LogSemantics} from '../fold.js'
import type {TickLine} from './read-lines.js'

import {BoundedMap} from '../../../util/bounded-map.js'

/** Distinct decky and service names kept to share (a fleet has tens; past this, the table starts over). */
const MAX_NAMES = 1000

/**
 * Replaces lines, in place, by what the fold needs of them: their meaning
 * (see `LogSemantics`), no `event_type`, `fields` or `msg` text, and one
 * string for each decky and service instead of one per line. (Sharing the
 * attacker IPs as well made no measurable difference, four pairs of cold
 * builds.)
 *
 * @example
 * ```ts
 * const describer = new LineDescriber(new ProfilerSemantics())
 * const {lines} = await readLines(trx, 'postgres', cursor, 100_000, {onChunk: (chunk) => describer.describe(chunk)})
 * ```
 */
export class LineDescriber {
  readonly #semantics: LogSemantics
  readonly #names = new BoundedMap<string>(MAX_NAMES)

  constructor(semantics: LogSemantics) {
    this.#semantics = semantics
  }

  describe(lines: TickLine[]): void {
    for (let i = 0; i < lines.length; i++) {
      const line = lines[i]
      lines[i] = {
        attacker_ip: line.attacker_ip,
        decky: shared(this.#names, line.decky),
        event_type: '',
        fields: '',
        id: line.id,
        meaning: this.#semantics.describe(line),
        msg: null,
        service: shared(this.#names, line.service),
        timestamp: line.timestamp,
      }
    }
  }
}

/** The string equal to `value` that `table` holds, adding `value` when none. */
function shared(table: BoundedMap<string>, value: string): string {
  const known = table.get(value)
  if (known !== undefined) return known
  table.set(value, value)
  return value
}
