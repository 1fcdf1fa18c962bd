// What a cold build starts from: every table the profiler writes emptied and its
// worker_state rows (the cursor and its `:unattributed` and `:probed` marks) gone,
// so the drain that follows inserts every row rather than adding to the rows of the
// run before (credentials' attempts and fingerprints' counts would double).
// Shared by bench/profiler.js and bench/lib/profiler-cold-build.mjs.

/** The tables the profiler writes (attacker_geo is the enricher's: the benchmarks do not run it). */
export const PROFILE_TABLES = Object.freeze([
  'attacker_command_batches', 'credentials', 'attacker_fingerprints', 'attacker_services', 'attacker_artifacts', 'attacker_behavior', 'attackers',
])

/** Empties the profile of `db` (a kysely instance); `cursor` is the profiler's `worker_state` row name. */
export async function clearProfiles(db, cursor) {
  for (const table of PROFILE_TABLES) await db.deleteFrom(table).execute()
  await db.deleteFrom('worker_state').where((eb) => eb.or([eb('worker', '=', cursor), eb('worker', 'like', `${cursor}:%`)])).execute()
}
