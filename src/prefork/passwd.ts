import {readFileSync} from 'node:fs'

import {makeDebug} from '../util/lazy-debug.js'

const debug = makeDebug('decnet:privilege')

/** One well-formed line of a passwd file. */
export interface PasswdEntry {
  readonly name: string
  readonly uid: number
  readonly gid: number
  readonly home: string
}

/**
 * The well-formed entries of a passwd file (numeric uid and gid), in file order.
 *
 * @returns an empty list when the file cannot be read (the reason goes to `decnet:privilege`).
 * @example
 * ```ts
 * passwdEntries().find((entry) => entry.name === 'nobody') // {name: 'nobody', uid: 65534, gid: 65534, home: '/nonexistent'}
 * ```
 */
export function passwdEntries(passwdFile = '/etc/passwd'): PasswdEntry[] {
  let text: string
  try {
    text = readFileSync(passwdFile, 'utf8')
  } catch (error) {
    debug('cannot read %s: %s', passwdFile, (error as Error).message)
    return []
  }

  const entries: PasswdEntry[] = []
  for (const line of text.split('\n')) {
    const [name, , uid, gid, , home] = line.split(':')
    if (name === undefined || !/^\d+$/.test(uid ?? '') || !/^\d+$/.test(gid ?? '')) continue
    entries.push({gid: Number(gid), home: home ?? '', name, uid: Number(uid)})
  }

  return entries
}
