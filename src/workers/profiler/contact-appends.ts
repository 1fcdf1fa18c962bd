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
import type {ContactColumns} from './fold.js'
import type {ContactKey, ContactTuple} from './first-contacts.js'

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
 */
export function appendedColumns(
  stored: {deckies: string; first_contacts?: string; services: string},
  deckies: readonly ContactTuple[],
  services: readonly ContactTuple[],
): ContactColumns | undefined {
  const text = stored.first_contacts
  const keys = parseFirstContacts(text)
  if (text === undefined || keys === undefined || !text.startsWith(HEAD) || !text.endsWith(TAIL)) return undefined
  const deckyNames = storedNames(stored.deckies, keys.deckies.length)
  const serviceNames = storedNames(stored.services, keys.services.length)
  if (deckyNames === undefined || serviceNames === undefined) return undefined
  // no JSON string holds `"` unescaped, so the first `],"services":[` ends the deckies' keys
  const middle = text.indexOf(MIDDLE)
  const names = [...deckyNames, ...deckies.map(([name]) => name)]
  const isTraversal = names.length >= 2
  return {
    deckies: JSON.stringify(names),
    first_contacts:
      HEAD + withKeys(text.slice(HEAD.length, middle), deckies) + MIDDLE + withKeys(text.slice(middle + MIDDLE.length, -TAIL.length), services) + TAIL,
    is_traversal: isTraversal ? 1 : 0,
    services: JSON.stringify([...serviceNames, ...services.map(([name]) => name)]),
    traversal_path: isTraversal ? names.join(' -> ') : null,
  }
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

/** `items` (the JSON of stored keys, without brackets) with the keys of `tuples` after them. */
function withKeys(items: string, tuples: readonly ContactTuple[]): string {
  let json = items
  for (const [, timestamp, logId] of tuples) json += `${json === '' ? '' : ','}[${JSON.stringify(timestamp)},${logId}]`
  return json
}
