/**
 * Tagging a database's lines from scratch in this process, as one ttp worker
 * would with every rule it runs (the pack's rules and the counting rules):
 * the reference the fleet tests compare a running fleet's tags with.
 */
import type {Kysely} from 'kysely'

import type {Database} from '../../src/db/schema.js'
import {loadAuthRules} from '../../src/ttp/auth/auth-rules.js'
import {Matcher} from '../../src/ttp/matcher.js'
import {loadRules, loadTechniqueIndex} from '../../src/ttp/rule-loader.js'
import {AuthState} from '../../src/workers/ttp/auth-state.js'
import {FailureMemory} from '../../src/workers/ttp/failure-memory.js'
import {TTP_CURSOR, ttpTick} from '../../src/workers/ttp/tick.js'

/** The tables the ttp tick writes. */
const TTP_TABLES = ['ttp_tags', 'auth_failures', 'credential_pairs', 'credential_stuffers', 'ttp_beacons'] as const

/** Forgets every tag and the counting rules' state, and tags every line again, tick by tick. */
export async function retagFromScratch(db: Kysely<Database>): Promise<void> {
  for (const table of TTP_TABLES) await db.deleteFrom(table).execute()
  await db.updateTable('worker_state').set({cursor: 0}).where('worker', '=', TTP_CURSOR).execute()
  await tagPending(db)
}

/** Tags every line past the ttp cursor, tick by tick, with the pack's rules and the counting rules. */
export async function tagPending(db: Kysely<Database>): Promise<void> {
  const {auth} = await loadAuthRules(await loadTechniqueIndex())
  const options = {auth, authState: new AuthState(), matcher: new Matcher((await loadRules()).rules), memory: new FailureMemory(auth.lookbackMs)}
  while ((await ttpTick(db, options)).lines > 0);
}
