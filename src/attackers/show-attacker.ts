import type {Kysely} from 'kysely'

import type {AttackerDetail} from './attacker-profile.js'
import type {WriteText} from './stream-profile.js'
import type {Database} from '../db/schema.js'

import {UnknownAttackerError} from './errors.js'
import {findAttackerDetail} from './read-attackers.js'
import {streamCommands} from './read-recent-commands.js'
import {writeProfileJson, writeProfileText} from './stream-profile.js'

/**
 * Writes the whole profile of the attacker at `ip` (as stored: see
 * `normaliseIp`), with its credentials, service activity and artifacts (see
 * `findAttackerDetail`), as text or JSON, reading its commands a page at a
 * time, and returns it without them (`commands` is empty; `commandCount` says
 * how many).
 *
 * @throws UnknownAttackerError when the database holds no profile of `ip`.
 * @example
 * ```ts
 * await showAttacker(db, '203.0.113.7', {format: 'json', write: writeOut})
 * ```
 */
export async function showAttacker(db: Kysely<Database>, ip: string, options: {format: 'json' | 'text'; write: WriteText}): Promise<AttackerDetail> {
  const profile = await findAttackerDetail(db, ip)
  if (profile === undefined) throw new UnknownAttackerError(ip)
  await (options.format === 'json' ? writeProfileJson : writeProfileText)(profile, streamCommands(db, ip), options.write)
  return profile
}
