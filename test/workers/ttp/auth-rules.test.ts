// The counting rules in the ttp tick, on SQLite and PostgreSQL: each fires on its evidence and not on
// its near misses; the tags are the same whatever the batch size, with the worker's memory and state
// objects renewed every tick (a restart), after a replay, and after a SIGKILL of the real worker.
import assert from 'node:assert/strict'
import {describe, it, type TestContext} from 'node:test'

import type {Kysely} from 'kysely'

import type {Database} from '../../../src/db/schema.js'
import type {TtpTickOptions} from '../../../src/workers/ttp/tick.js'

import {parseDatabaseUrl} from '../../../src/db/url.js'
import {loadAuthRules} from '../../../src/ttp/auth/auth-rules.js'
import {Matcher} from '../../../src/ttp/matcher.js'
import {loadRules, loadTechniqueIndex} from '../../../src/ttp/rule-loader.js'
import {AuthState} from '../../../src/workers/ttp/auth-state.js'
import {FailureMemory} from '../../../src/workers/ttp/failure-memory.js'
import {TTP_CURSOR, ttpDrain, ttpTick} from '../../../src/workers/ttp/tick.js'
// from dist/: the worker loads its rules in a process that runs rules-child.js next to its module, which src/ does not have
import ttp from '../../../dist/workers/ttp/worker.js'
import {countingScenario, credentialLog, requestLog} from '../../helpers/auth-logs.js'
import {DATABASE_KINDS, migratedDatabase, skipReason} from '../../helpers/databases.js'
import {insertLogs, readTags, resetCursor} from '../../helpers/ttp-logs.js'
import {KILL_LEASE_SECONDS, type RunnerProcess, startWorkerRunner} from '../../helpers/worker-runner.js'

const techniques = await loadTechniqueIndex()
const {rules} = await loadRules({techniques})
const matcher = new Matcher(rules, {attackVersion: techniques.version})
const {auth} = await loadAuthRules(techniques)
const COUNTING: ReadonlySet<string> = new Set(auth.rules.keys())

/** The counting tags as `rule@log_id`, sorted and distinct. */
async function countingTags(db: Kysely<Database>): Promise<string[]> {
  return [...new Set((await readTags(db)).filter((tag) => COUNTING.has(tag.rule_id)).map((tag) => `${tag.rule_id}@${tag.log_id}`))].sort()
}

/** Clears every table the tick writes and moves the cursor back: tagging from scratch. */
async function forget(db: Kysely<Database>): Promise<void> {
  for (const table of ['ttp_tags', 'auth_failures', 'credential_pairs', 'credential_stuffers', 'ttp_beacons'] as const) await db.deleteFrom(table).execute()
  await resetCursor(db, TTP_CURSOR)
}

/** Drains tick by tick, with new memory and state objects each tick when `restart` (what a restarted worker has). */
async function drain(db: Kysely<Database>, batchSize: number, restart: boolean): Promise<void> {
  const kept = {authState: new AuthState(), memory: new FailureMemory(auth.lookbackMs)}
  for (;;) {
    const options: TtpTickOptions = {auth, batchSize, matcher, ...(restart ? {authState: new AuthState(), memory: new FailureMemory(auth.lookbackMs)} : kept)}
    if ((await ttpTick(db, options)).lines === 0) return
  }
}

/** The ttp worker in its own process (--once), over the database at `url`, holding a short lease so that a restart after a kill need not wait 30 s. */
function runWorker(t: TestContext, url: string, batch: number): RunnerProcess {
  return startWorkerRunner(t, 'ttp', ['--batch', String(batch), '--lease', String(KILL_LEASE_SECONDS)], {DECNET_DB_URL: url})
}

for (const kind of DATABASE_KINDS) {
  describe(`counting rules in the ttp tick (${kind})`, {skip: skipReason(kind)}, () => {
    it('tag exactly the scenario\'s evidence, the same whatever the batch size, across restarts and replays', async (t) => {
      const {db} = await migratedDatabase(kind, t)
      const {expected, rows} = countingScenario()
      await insertLogs(db, rows)
      await ttpDrain(db, {auth, matcher})
      assert.deepEqual(await countingTags(db), [...expected].sort())
      const all = await readTags(db)
      assert.match(all.find((tag) => tag.rule_id === 'credential-access.password-spraying')!.evidence, /^5 principals, 1 secret \(sha256 [0-9a-f]{12}…\) from 203\.0\.113\.10 in 80 s: root, admin, oracle, test, user$/)

      // a replay with the state kept inserts nothing and changes nothing
      await resetCursor(db, TTP_CURSOR)
      assert.equal((await ttpDrain(db, {auth, matcher})).tags, 0)
      assert.deepEqual(await readTags(db), all)

      for (const [batchSize, restart] of [[1, true], [7, false], [7, true], [rows.length, true]] as const) {
        await forget(db)
        await drain(db, batchSize, restart)
        assert.deepEqual(await readTags(db), all, `batch size ${batchSize}${restart ? ', restarted every tick' : ''}`)
      }
    })

    it('a SIGKILL of the worker mid-run changes no tag', async (t) => {
      const {db, url} = await migratedDatabase(kind, t)
      const {rows} = countingScenario()
      await insertLogs(db, rows)
      await ttpDrain(db, {auth, matcher})
      const all = await readTags(db)
      await forget(db)

      const first = runWorker(t, url, 5)
      await first.ticked
      first.child.kill('SIGKILL')
      const killed = await first.exited
      assert.equal(killed.signal, 'SIGKILL', `the worker was still running when killed; stderr: ${killed.stderr}`)
      const cursor = Number((await db.selectFrom('worker_state').select('cursor').where('worker', '=', TTP_CURSOR).executeTakeFirstOrThrow()).cursor)
      assert.ok(cursor > 0 && cursor < rows.length, `killed mid-run (cursor ${cursor} of ${rows.length})`)
      const done = await runWorker(t, url, 5).exited
      assert.equal(done.code, 0, done.stderr)
      assert.deepEqual(await readTags(db), all)
    })

    it("takes the worker's authRules option: a lower spraying threshold fires, a bad value stops the worker naming it", async (t) => {
      const {db, url} = await migratedDatabase(kind, t)
      await insertLogs(db, ['root', 'admin', 'oracle'].map((principal, n) => credentialLog({at: n / 10, ip: '203.0.113.70', principal, secret: 'Autumn2026'})))
      const run = (options: Record<string, unknown>) =>
        ttp({database: parseDatabaseUrl(url), debug() {}, fleet: 'test', name: 'ttp', once: true, options: options as never, ready() {}, signal: new AbortController().signal})
      await assert.rejects(run({authRules: {spraying: {principals: 0}}}), /Expected `authRules\.spraying\.principals` to be a positive number, got `0`/)
      await run({authRules: {spraying: {principals: 3}}})
      assert.deepEqual(await countingTags(db), ['credential-access.password-spraying@3'])
    })

    it('hostile principals and secrets do not break the tick', async (t) => {
      const {db} = await migratedDatabase(kind, t)
      const hostile = ['\u0000\u001b[2J', 'p'.repeat(65_536), '\ud800', 'ok\u0007', 'x\u202e', 'y']
      await insertLogs(db, [
        ...hostile.map((principal, n) => credentialLog({at: n / 10, ip: '203.0.113.66', principal, secret: Buffer.from([0xff, 0x00, 0xfe])})),
        credentialLog({at: 1, ip: '203.0.113.66', principal: 'root', secret: '', secretB64: '%%%not base64'}),
        credentialLog({at: 1.1, ip: '203.0.113.66', principal: 'root', secret: Buffer.alloc(65_536, 0xc3)}),
        {...requestLog('203.0.113.66', 2), decky: '\u001b]0;x\u0007', service: 'h\u0000ttp'.replace('\u0000', '')},
      ])
      const tick = await ttpTick(db, {auth, matcher})
      assert.equal(tick.lines, 9)
      const tags = await readTags(db)
      const spraying = tags.find((tag) => tag.rule_id === 'credential-access.password-spraying')
      assert.ok(spraying, 'six principals, one secret: spraying')
      assert.doesNotMatch(spraying.evidence, /[\u0000-\u001f\u007f]/)
      assert.ok(spraying.evidence.length <= 201)
      const stored = await db.selectFrom('auth_failures').select(['principal']).execute()
      assert.ok(stored.every((row) => row.principal === null || (row.principal.length <= 256 && !row.principal.includes('\u0000'))))
    })
  })
}
