// End to end: `decnet fleet heavy` over a large log, its profiler SIGKILLed
// mid-run; the supervisor restarts it and the profiles come out exact.
import assert from 'node:assert/strict'
import {chmodSync, chownSync, mkdirSync, mkdtempSync, readdirSync, rmSync} from 'node:fs'
import {join} from 'node:path'
import {describe, it, type TestContext} from 'node:test'

import type {Kysely} from 'kysely'

import {migrateToLatest, openDatabase} from '../../src/db/index.js'
import type {Database} from '../../src/db/schema.js'
import {PROFILER_CURSOR, PROFILER_MAX_CHARS} from '../../src/workers/profiler/profiler.js'
import {DATABASE_KINDS, freshDatabase, skipReason} from '../helpers/databases.js'
import {EXIT, dataDirEnv, isAlive, processIds, startDecnet} from '../helpers/decnet-cli.js'
import {assertProfilesExact, insertLogs, makeLogs} from '../helpers/profiler-logs.js'

const NOBODY = 65_534
/**
 * The fleet's profiler reads 100,000 lines a tick, or fewer when they carry
 * more than PROFILER_MAX_CHARS characters of text. Folding 150,000 lines to
 * cross two line-count ticks cost this test ~12 s of CPU per database; lines
 * padded (an extra `fields` key the profiler ignores) to about 5,000
 * characters cut the run into several ticks by characters instead, so the kill
 * still lands after a committed tick and before the last one.
 */
const LINES = 12_000
const PADDING = 5000
const TIMEOUT_MS = 240_000

/**
 * A private data dir that stays root's (decnet refuses plugins from one another user owns), with a `db`
 * directory that `nobody` owns, so the dropped children can write SQLite's files there.
 */
function dataDirWithNobodysDb(t: TestContext): string {
  const dir = mkdtempSync('/tmp/decnet-e2e-')
  t.after(() => rmSync(dir, {force: true, recursive: true}))
  chmodSync(dir, 0o755)
  mkdirSync(join(dir, 'db'), {mode: 0o700})
  chownSync(join(dir, 'db'), NOBODY, NOBODY)
  return dir
}

function chownTree(dir: string): void {
  chownSync(dir, NOBODY, NOBODY)
  for (const name of readdirSync(dir)) chownSync(join(dir, name), NOBODY, NOBODY)
}

async function cursorOf(db: Kysely<Database>, worker: string): Promise<number> {
  const row = await db.selectFrom('worker_state').select('cursor').where('worker', '=', worker).executeTakeFirst()
  return Number(row?.cursor ?? 0)
}

/** Polls the database until `done(cursor)`, failing if the fleet exits first. */
async function cursorUntil(db: Kysely<Database>, fleet: ReturnType<typeof startDecnet>, done: (cursor: number) => boolean): Promise<number> {
  let exited = false
  // only the flag is wanted here; `exited` resolves on the child's exit and never rejects
  void fleet.exited.then(() => (exited = true))
  for (;;) {
    const cursor = await cursorOf(db, PROFILER_CURSOR)
    if (done(cursor)) return cursor
    assert.equal(exited, false, `the fleet exited early (cursor ${cursor})\n${fleet.output()}`)
    await new Promise((resolve) => setTimeout(resolve, 20))
  }
}

for (const kind of DATABASE_KINDS) {
  describe(`decnet fleet heavy: profiler killed mid-run (${kind})`, {skip: skipReason(kind) ?? (process.getuid?.() !== 0 && 'runs as root, drops to nobody'), timeout: TIMEOUT_MS}, () => {
    it('restarts the profiler and loses or doubles nothing', async (t) => {
      const dataDir = dataDirWithNobodysDb(t)
      let url = `sqlite:${join(dataDir, 'db', 'decnet.sqlite')}`
      if (kind === 'postgres') {
        const database = (await freshDatabase(kind, t))
        t.after(() => database.cleanup())
        url = database.url
      }

      const db = await openDatabase(url)
      t.after(() => db.destroy())
      await migrateToLatest(db)
      const rows = makeLogs(LINES, {attackers: 500, seed: 31}).map((row) => ({...row, fields: JSON.stringify({...JSON.parse(row.fields) as object, pad: 'p'.repeat(PADDING)})}))
      const chars = rows.reduce((sum, row) => sum + row.fields.length + (row.msg?.length ?? 0), 0)
      assert.ok(chars > 3 * PROFILER_MAX_CHARS, `${chars} characters of text: more than three ticks' worth`)
      await insertLogs(db, rows)
      if (kind === 'sqlite') chownTree(join(dataDir, 'db'))

      const fleet = startDecnet(t, ['fleet', 'heavy', '--user', 'nobody', '--db', url, '--interval', '3600'], {env: dataDirEnv(dataDir)})
      const [, firstPid] = await fleet.waitFor(/worker profiler ready \(pid (\d+)\)/)
      assert.deepEqual(processIds(Number(firstPid)).uid, [NOBODY, NOBODY, NOBODY, NOBODY], 'the profiler runs as nobody')
      await cursorUntil(db, fleet, (cursor: number) => cursor > 0)
      process.kill(Number(firstPid), 'SIGKILL')
      const atKill = await cursorOf(db, PROFILER_CURSOR)
      assert.ok(atKill < LINES, `the profiler was killed mid-run (cursor ${atKill} of ${LINES})`)

      await fleet.waitFor(new RegExp(`worker profiler ready \\(pid (?!${firstPid}\\))\\d+\\)`))
      await cursorUntil(db, fleet, (cursor: number) => cursor === LINES)
      fleet.child.kill('SIGTERM')
      const {code} = await fleet.exited
      assert.equal(code, EXIT.OK, fleet.output())
      assert.doesNotMatch(fleet.output(), /refusing to load plugins/, 'the data directory stays root\'s; nobody gets db/ only')
      assert.equal(isAlive(Number(firstPid)), false)
      await assertProfilesExact(db)
    })
  })
}
