/**
 * The common way a stored attacker's deckies and services change: new names,
 * first seen after every stored first contact, in time order. A fold keeps
 * those apart ({@link ContactAppends}) and builds the new contact columns
 * from the stored ones with the names appended ({@link appendedColumns}),
 * instead of restoring every stored contact into a `ContactList`, sorting it
 * and writing `first_contacts` out again: on a PostgreSQL tick at 10,000
 * lines of history, ~640 of the ~840 attackers touched gain a decky or a
 * service.
 */
import type {ContactColumns, ContactKey, ContactTuple} from './first-contacts.js'

import {contactBefore, isName, parseFirstContacts} from './first-contacts.js'

/** Names a fold saw for the first time, each with its first contact, in first-contact order. */
export class ContactAppends {
  readonly #tuples: ContactTuple[] = []
  readonly #keys = new Map<string, ContactKey>()

  /** The names appended, in first-contact order. */
  get tuples(): readonly ContactTuple[] {
    return this.#tuples
  }

  /**
   * Records that `name`, which the stored list does not hold, was seen at
   * `timestamp` in log `logId`, a key after every stored first contact.
   * False when that does not append in order (it comes before a name
   * appended already, or moves one's first contact earlier): the caller then
   * restores the whole list.
   */
  see(name: string, timestamp: string, logId: number): boolean {
    if (!isName(name)) return true
    const key = {logId, timestamp}
    const known = this.#keys.get(name)
    if (known !== undefined) return !contactBefore(key, known)
    const last = this.#tuples.at(-1)
    if (last !== undefined && contactBefore(key, {logId: last[2], timestamp: last[1]})) return false
    this.#tuples.push([name, timestamp, logId])
    this.#keys.set(name, key)
    return true
  }
}

const HEAD = '{"deckies":['
const MIDDLE = '],"services":['
const TAIL = ']}'

/**
 * The contact columns of `stored` with `deckies` and `services` appended
 * (names it does not hold, first seen after all of its first contacts, in
 * order). Undefined when the stored columns are not as this profiler writes
 * them (foreign or damaged rows): the caller restores the lists instead,
 * which knows how to repair them.
 *
 * `own`: the stored columns are known to be as this profiler wrote them (it
 * wrote them itself, see `FoldOptions.ownContacts` in fold.ts), so they are not checked
 * again (that parses `first_contacts` whole) and the names are appended to
 * the stored texts as they are. Measured on the 1,000-line ticks after
 * 10,000 lines of history (~600 appends each): folding a tick took 7.1 ms
 * checking every row, 5.0 ms trusting its own.
 */
export function appendedColumns(
  stored: {deckies: string; first_contacts?: string; services: string; traversal_path?: null | string},
  deckies: readonly ContactTuple[],
  services: readonly ContactTuple[],
  own = false,
): ContactColumns | undefined {
  const text = stored.first_contacts
  if (text === undefined || !text.startsWith(HEAD) || !text.endsWith(TAIL)) return undefined
  const names = own ? undefined : checkedNames(stored, text)
  if (!own && names === undefined) return undefined
  // no JSON string holds `"` unescaped, so the first `],"services":[` ends the deckies' keys
  const middle = text.indexOf(MIDDLE)
  const decky = names ? deckyColumns(names.deckies, deckies) : ownDeckyColumns(stored, deckies)
  // a plain literal, not a spread (see withCounters in fold.ts)
  return {
    deckies: decky.deckies,
    first_contacts:
      HEAD + withKeys(text.slice(HEAD.length, middle), deckies) + MIDDLE + withKeys(text.slice(middle + MIDDLE.length, -TAIL.length), services) + TAIL,
    is_traversal: decky.is_traversal,
    services: names ? JSON.stringify([...names.services, ...services.map(([name]) => name)]) : withNames(stored.services, services),
    traversal_path: decky.traversal_path,
  }
}

type DeckyColumns = Pick<ContactColumns, 'deckies' | 'is_traversal' | 'traversal_path'>

/** The decky columns for the stored names `stale` with the names of `tuples` after them. */
function deckyColumns(stale: readonly string[], tuples: readonly ContactTuple[]): DeckyColumns {
  const names = [...stale, ...tuples.map(([name]) => name)]
  const isTraversal = names.length >= 2
  return {deckies: JSON.stringify(names), is_traversal: isTraversal ? 1 : 0, traversal_path: isTraversal ? names.join(' -> ') : null}
}

/**
 * {@link deckyColumns} for a row this profiler wrote: its path already joins
 * its deckies, so a traversal's names are appended to the texts as they are.
 */
function ownDeckyColumns(stored: {deckies: string; traversal_path?: null | string}, tuples: readonly ContactTuple[]): DeckyColumns {
  const path = stored.traversal_path
  if (typeof path !== 'string') return deckyColumns(JSON.parse(stored.deckies) as string[], tuples)
  if (tuples.length === 0) return {deckies: stored.deckies, is_traversal: 1, traversal_path: path}
  return {deckies: withNames(stored.deckies, tuples), is_traversal: 1, traversal_path: `${path} -> ${tuples.map(([name]) => name).join(' -> ')}`}
}

/**
 * The stored names of a row, when its contact columns are as this profiler
 * writes them: name arrays, and first contacts that fit them one for one.
 */
function checkedNames(stored: {deckies: string; services: string}, text: string): {deckies: string[]; services: string[]} | undefined {
  const keys = parseFirstContacts(text)
  if (keys === undefined) return undefined
  const deckies = storedNames(stored.deckies, keys.deckies.length)
  const services = storedNames(stored.services, keys.services.length)
  return deckies && services && {deckies, services}
}

/** The names of a stored JSON array of `count` strings; undefined when it is not that. */
function storedNames(json: string, count: number): string[] | undefined {
  let names: unknown
  try {
    names = JSON.parse(json)
  } catch {
    return undefined
  }

  return Array.isArray(names) && names.length === count && names.every((name) => typeof name === 'string') ? names : undefined
}

/** `json` (a JSON array of strings as `JSON.stringify` writes it) with the names of `tuples` after its own. */
function withNames(json: string, tuples: readonly ContactTuple[]): string {
  if (tuples.length === 0) return json
  const added = tuples.map(([name]) => JSON.stringify(name)).join(',')
  return json === '[]' ? `[${added}]` : `${json.slice(0, -1)},${added}]`
}

/** `items` (the JSON of stored keys, without brackets) with the keys of `tuples` after them. */
function withKeys(items: string, tuples: readonly ContactTuple[]): string {
  let json = items
  for (const [, timestamp, logId] of tuples) json += `${json === '' ? '' : ','}[${JSON.stringify(timestamp)},${logId}]`
  return json
}
