/**
 * First-contact bookkeeping for the profiler: for each decky (and each
 * service) an attacker touched, the earliest `(timestamp, log id)` seen so
 * far. Ordering by that key, rather than by arrival, keeps the traversal path
 * right when logs arrive out of time order (one file per decky, ingested one
 * after the other), and makes folding independent of batch boundaries: the
 * key is a minimum, so folding A then B equals folding A and B at once.
 */
import type {AttackerRow} from '../../db/schema.js'

/** The columns of an attacker row derived from its first contacts (a fold writes them, see `foldAttacker`). */
export type ContactColumns = Pick<AttackerRow, 'deckies' | 'first_contacts' | 'is_traversal' | 'services' | 'traversal_path'>

/** When a name was first seen: event time, then log id to break ties. */
export interface ContactKey {
  readonly timestamp: string
  readonly logId: number
}

/** One name with its first contact: `[name, timestamp, logId]`. */
export type ContactTuple = [string, string, number]

/** A first contact as stored: `[timestamp, logId]`. */
export type StoredKey = [string, number]

/**
 * The form kept in `attackers.first_contacts`: the first contact of each
 * name of the row's `deckies` and `services` columns, position for position
 * (the names are not repeated: the row is rewritten on every tick, so its
 * size is the tick's cost).
 */
export interface FirstContactsJson {
  deckies: StoredKey[]
  services: StoredKey[]
}

/** True when key `a` came strictly before key `b`. */
export function contactBefore(a: ContactKey, b: ContactKey): boolean {
  return a.timestamp < b.timestamp || (a.timestamp === b.timestamp && a.logId < b.logId)
}

/** Whether a decky or service `name` is one: the RFC 5424 NILVALUE (`-`) and the empty string are not. */
export function isName(name: string): boolean {
  return name !== '' && name !== '-'
}

/**
 * Names, each with its first contact, kept in first-contact order. Names
 * that are not names (see {@link isName}) are ignored.
 */
export class ContactList {
  readonly #tuples: ContactTuple[]
  readonly #index = new Map<string, number>()
  #unsorted = false
  #changed = false

  /** `tuples` in first-contact order (as stored). */
  constructor(tuples: readonly ContactTuple[] = []) {
    this.#tuples = tuples.map(([name, timestamp, logId]) => [name, timestamp, logId])
    for (const [i, [name]] of this.#tuples.entries()) this.#index.set(name, i)
  }

  /** True once {@link see} has added a name or moved one's first contact earlier. */
  get changed(): boolean {
    return this.#changed
  }

  /** Records that `name` was seen at `timestamp` in log `logId`. */
  see(name: string, timestamp: string, logId: number): void {
    if (!isName(name)) return
    const at = this.#index.get(name)
    if (at === undefined) {
      const last = this.#tuples.at(-1)
      // in time order (the usual case) an append keeps the list sorted
      if (last !== undefined && contactBefore({logId, timestamp}, {logId: last[2], timestamp: last[1]})) this.#unsorted = true
      this.#index.set(name, this.#tuples.push([name, timestamp, logId]) - 1)
    } else {
      const known = this.#tuples[at]
      if (!contactBefore({logId, timestamp}, {logId: known[2], timestamp: known[1]})) return
      known[1] = timestamp
      known[2] = logId
      this.#unsorted = true
    }

    this.#changed = true
  }

  /** The tuples, in first-contact order. */
  tuples(): readonly ContactTuple[] {
    if (this.#unsorted) {
      this.#tuples.sort((a, b) => (a[1] < b[1] ? -1 : a[1] > b[1] ? 1 : a[2] - b[2]))
      for (const [i, [name]] of this.#tuples.entries()) this.#index.set(name, i)
      this.#unsorted = false
    }

    return this.#tuples
  }

  /** The names, in first-contact order. */
  names(): string[] {
    return this.tuples().map(([name]) => name)
  }

  /** The first contacts, in the order of {@link names}. */
  keys(): StoredKey[] {
    return this.tuples().map(([, timestamp, logId]) => [timestamp, logId])
  }
}

/**
 * Rebuilds a list from a row's names (JSON array text) and their stored
 * keys; undefined when the keys do not fit the names.
 */
export function restoreContactList(namesJson: string, keys: readonly StoredKey[] | undefined): ContactList | undefined {
  const names = JSON.parse(namesJson) as unknown
  if (!Array.isArray(names) || keys === undefined || keys.length !== names.length) return undefined
  return new ContactList(names.map((name, i): ContactTuple => [String(name), keys[i][0], keys[i][1]]))
}

/**
 * Parses `attackers.first_contacts`. Undefined when it is missing or not in
 * this shape (a row written by something other than this profiler): the
 * caller then rebuilds from the row's name arrays.
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
  return isKeyList(deckies) && isKeyList(services) ? {deckies, services} : undefined
}

function isKeyList(value: unknown): value is StoredKey[] {
  return Array.isArray(value) && value.every((k) => Array.isArray(k) && typeof k[0] === 'string' && typeof k[1] === 'number')
}
