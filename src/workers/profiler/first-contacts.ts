/**
 * First-contact bookkeeping for the profiler: for each decky (and each
 * service) an attacker touched, the earliest `(timestamp, log id)` seen so
 * far. Ordering by that key, rather than by arrival, keeps the traversal path
 * right when logs arrive out of time order (one file per decky, ingested one
 * after the other), and makes folding independent of batch boundaries: the
 * key is a minimum, so folding A then B equals folding A and B at once.
 */

/** When a name was first seen: event time, then log id to break ties. */
export interface Contact {
  readonly name: string
  readonly timestamp: string
  readonly logId: number
}

/** The serialised form kept in `attackers.first_contacts`. */
export interface FirstContactsJson {
  deckies: Array<[string, string, number]>
  services: Array<[string, string, number]>
}

/** True when contact `a` came strictly before contact `b`. */
export function contactBefore(a: Omit<Contact, 'name'>, b: Omit<Contact, 'name'>): boolean {
  return a.timestamp < b.timestamp || (a.timestamp === b.timestamp && a.logId < b.logId)
}

/**
 * A set of names, each with its first contact. Names equal to the RFC 5424
 * NILVALUE (`-`) or empty are not names and are ignored.
 */
export class FirstContacts {
  readonly #byName = new Map<string, Contact>()

  /** Rebuilds a set from its serialised tuples. */
  static from(tuples: ReadonlyArray<readonly [string, string, number]>): FirstContacts {
    const set = new FirstContacts()
    for (const [name, timestamp, logId] of tuples) set.see(name, timestamp, logId)
    return set
  }

  /** Records that `name` was seen at `timestamp` in log `logId`. */
  see(name: string, timestamp: string, logId: number): void {
    if (name === '' || name === '-') return
    const known = this.#byName.get(name)
    if (known === undefined || contactBefore({logId, timestamp}, known)) {
      this.#byName.set(name, {logId, name, timestamp})
    }
  }

  /** The contacts in first-contact order. */
  ordered(): Contact[] {
    return [...this.#byName.values()].sort((a, b) => (contactBefore(a, b) ? -1 : contactBefore(b, a) ? 1 : 0))
  }

  /** The names in first-contact order. */
  names(): string[] {
    return this.ordered().map((contact) => contact.name)
  }

  /** The serialisable tuples, in first-contact order. */
  toTuples(): Array<[string, string, number]> {
    return this.ordered().map((c) => [c.name, c.timestamp, c.logId])
  }
}

/**
 * Parses `attackers.first_contacts`. A missing or unreadable value (a row
 * written by something other than this profiler) yields empty sets; the caller
 * falls back to the row's name arrays.
 */
export function parseFirstContacts(text: null | string | undefined): FirstContactsJson | undefined {
  if (!text) return undefined
  let parsed: unknown
  try {
    parsed = JSON.parse(text)
  } catch {
    return undefined // not ours: the caller rebuilds from the name arrays
  }

  if (typeof parsed !== 'object' || parsed === null) return undefined
  const {deckies, services} = parsed as Partial<FirstContactsJson>
  if (!Array.isArray(deckies) || !Array.isArray(services)) return undefined
  return {deckies, services}
}
