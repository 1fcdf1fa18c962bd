// The TTP tick records each batch's failed logins in auth_failures (with its tags and cursor)
// and the brute-force look-back reads them there, not from logs.
import assert from 'node:assert/strict'
import {describe, it} from 'node:test'

import type {Kysely} from 'kysely'

import type {Database, TtpTagRow} from '../../../src/db/schema.js'

import {BRUTE_FORCE_RULE} from '../../../src/ttp/brute-force.js'
import {FailureMemory} from '../../../src/workers/ttp/failure-memory.js'
import {Matcher} from '../../../src/ttp/matcher.js'
import {loadRules} from '../../../src/ttp/rule-loader.js'
import {TagWriter} from '../../../src/workers/ttp/tag-writer.js'
import {TTP_CURSOR, ttpTick, type TtpTickOptions} from '../../../src/workers/ttp/tick.js'
import {DATABASE_KINDS, migratedDatabase, skipReason} from '../../helpers/databases.js'
import {commandLog, failedLogin, insertLogs, minutes, readTags as readTagsUntyped, resetCursor} from '../../helpers/ttp-logs.js'

const readTags = async (db: Kysely<Database>): Promise<TtpTagRow[]> => (await readTagsUntyped(db))

const matcher = new Matcher((await loadRules()).rules)

async function storedFailures(db: Kysely<Database>): Promise<Array<{ip: string; log_id: number; timestamp: string}>> {
  const rows = await db.selectFrom('auth_failures').select(['ip', 'log_id', 'timestamp']).orderBy('log_id').execute()
  return rows.map((row) => ({...row, log_id: Number(row.log_id)}))
}

async function drain(db: Kysely<Database>, options: Omit<TtpTickOptions, 'matcher'>): Promise<void> {
  for (;;) {
    const tick = await ttpTick(db, {matcher, ...options})
    if (tick.lines === 0) return
  }
}

const bruteForceIds = async (db: Kysely<Database>): Promise<number[]> => (await readTags(db)).filter((tag) => tag.rule_id === BRUTE_FORCE_RULE.id).map((tag) => tag.log_id)

for (const kind of DATABASE_KINDS) {
  describe(`ttp tick and auth_failures (${kind})`, {skip: skipReason(kind)}, () => {
    it('records exactly the failed logins: with an IP and a readable time, not successes or commands', async (t) => {
      const {db} = await migratedDatabase(kind, t)
      await insertLogs(db, [
        failedLogin('203.0.113.7', 0), // 1
        {...failedLogin('203.0.113.7', 1), event_type: 'login_success'}, // 2
        commandLog('203.0.113.7', 2, 'uname -a'), // 3
        {...failedLogin('203.0.113.8', 3), attacker_ip: null}, // 4
        {...failedLogin('203.0.113.8', 4), timestamp: 'not a time'}, // 5
        {...failedLogin('203.0.113.9', 5), event_type: 'auth', fields: '{"success":"false"}'}, // 6
        failedLogin('203.0.113.8', 6), // 7
      ])
      assert.deepEqual(await ttpTick(db, {matcher}), {cursor: 7, lines: 7, tags: 1})
      assert.deepEqual(await storedFailures(db), [
        {ip: '203.0.113.7', log_id: 1, timestamp: minutes(0)},
        {ip: '203.0.113.9', log_id: 6, timestamp: minutes(5)},
        {ip: '203.0.113.8', log_id: 7, timestamp: minutes(6)},
      ])
    })

    it('inserts nothing twice when lines are tagged again', async (t) => {
      const {db} = await migratedDatabase(kind, t)
      const rows = Array.from({length: 2007}, (_, i) => failedLogin(`198.51.100.${i % 5}`, i / 10))
      await insertLogs(db, rows)
      const writer = new TagWriter()
      await drain(db, {writer})
      const stored = await storedFailures(db)
      assert.equal(stored.length, rows.length)
      assert.deepEqual(stored.map((row) => row.log_id), rows.map((_, i) => i + 1))
      const tags = await readTags(db)

      await resetCursor(db, TTP_CURSOR)
      await drain(db, {batchSize: 999, writer})
      assert.deepEqual(await storedFailures(db), stored)
      assert.deepEqual(await readTags(db), tags)
      const failures = stored.map((row) => ({id: row.log_id, ip: row.ip, ms: Date.parse(row.timestamp), timestamp: row.timestamp}))
      assert.equal(await db.transaction().execute((trx) => writer.writeFailures(trx, failures)), 0)
    })

    it('records only the failures of the lines a tick kept when its time budget cut the batch', async (t) => {
      const {db} = await migratedDatabase(kind, t)
      await insertLogs(db, [0, 1, 2].map((at) => failedLogin('203.0.113.7', at)))
      assert.deepEqual(await ttpTick(db, {budgetMs: 0, matcher}), {cursor: 1, cut: true, lines: 1, tags: 0})
      assert.deepEqual((await storedFailures(db)).map((row) => row.log_id), [1])
      assert.deepEqual(await ttpTick(db, {budgetMs: 0, matcher}), {cursor: 2, cut: true, lines: 1, tags: 0})
      assert.deepEqual((await storedFailures(db)).map((row) => row.log_id), [1, 2])
    })

    it('looks back on auth_failures, not logs: a burst straddling two ticks is tagged with the earlier lines gone from logs', async (t) => {
      const {db} = await migratedDatabase(kind, t)
      await insertLogs(db, [1, 2, 3].map((at) => failedLogin('203.0.113.7', at)))
      assert.equal((await ttpTick(db, {matcher})).tags, 0)
      await db.deleteFrom('logs').execute()
      await insertLogs(db, [failedLogin('203.0.113.7', 0.5), failedLogin('203.0.113.7', 3.5)])
      assert.equal((await ttpTick(db, {matcher, memory: new FailureMemory()})).tags, 1)
      assert.deepEqual(await bruteForceIds(db), [5])
    })
  })
}
