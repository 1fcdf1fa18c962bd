/**
 * The follower's commit under a database outage: the batch is written again
 * after the outage, and a commit that landed before its connection died is
 * recognised by the stored progress instead of being written twice. A real
 * SQLite database and the real LogWriter; the outage is a DatabaseError with
 * a connection-lost code, thrown around the real write.
 */
import assert from 'node:assert/strict'
import {describe, it, type TestContext} from 'node:test'

import type {Kysely} from 'kysely'

import {DatabaseError} from '../../src/db/errors.js'
import {LogWriter} from '../../src/db/log-writer.js'
import {migrateToLatest} from '../../src/db/migrate.js'
import {openDatabase} from '../../src/db/open.js'
import type {Database} from '../../src/db/schema.js'
import {readSourceProgress} from '../../src/db/source-progress.js'
import {SourceCommitter} from '../../src/ingest/follow/source-committer.js'
import {LineBatcher} from '../../src/ingest/follow/line-batcher.js'
import type {FollowedSource} from '../../src/ingest/follow/file-follower.js'
import {freshMigratedDatabase} from '../helpers/databases.js'

const LINE = (n: number): string => `<38>1 2026-11-26T13:32:00.000Z decky-1 ssh - login_failed [relay@55555 src_ip="192.0.2.1"] attempt ${n}\n`
const TEXT = Buffer.from([1, 2, 3].map(LINE).join(''))

async function database(t: TestContext): Promise<Kysely<Database>> {
  const fresh = (await freshMigratedDatabase('sqlite'))
  t.after(() => fresh.cleanup())
  const db = await openDatabase(fresh.url)
  t.after(() => db.destroy())
  await migrateToLatest(db)
  return db
}

const outage = (): DatabaseError => new DatabaseError('connection lost', {target: 'test', code: 'ECONNRESET'})
const stats = (): FollowedSource => ({source: 'test.log', resumable: true, accepted: 0, rejected: 0, blank: 0, lines: 0, lastLine: 0, offset: 0, rotations: 0, truncations: 0})

/** A LogWriter whose first call fails: `landed` writes first (the commit made it, its answer did not). */
function failingOnce(db: Kysely<Database>, landed: boolean): {writer: LogWriter; calls: () => number} {
  const real = new LogWriter(db)
  let calls = 0
  const writer = {
    async write(...args: Parameters<LogWriter['write']>) {
      calls++
      if (calls === 1) {
        if (landed) await real.write(...args)
        throw outage()
      }

      return real.write(...args)
    },
  } as unknown as LogWriter
  return {writer, calls: () => calls}
}

const batch = (): ReturnType<LineBatcher['take']> => {
  const batcher = new LineBatcher('test.log', {line: 0, offset: 0})
  batcher.push(TEXT)
  return batcher.take()
}

const count = async (db: Kysely<Database>): Promise<number> => Number((await db.selectFrom('logs').select(db.fn.countAll().as('n')).executeTakeFirstOrThrow()).n)

describe('SourceCommitter under a database outage', () => {
  for (const landed of [false, true]) {
    it(`writes the batch once when the failed attempt ${landed ? 'had committed (its answer lost)' : 'had not committed'}`, async (t) => {
      const db = await database(t)
      const {writer, calls} = failingOnce(db, landed)
      const outages: number[] = []
      const summary = stats()
      const committer = new SourceCommitter(writer, summary, {key: 'file:1:2', path: '/x/test.log', head: TEXT, expected: undefined}, {
        readProgress: (key) => readSourceProgress(db, key),
        onOutage: (_error, ms) => outages.push(ms),
      })
      await committer.commit(batch())
      assert.equal(calls(), 2)
      assert.deepEqual(outages, [250])
      assert.equal(await count(db), 3)
      assert.deepEqual([summary.accepted, summary.lastLine, summary.offset], [3, 3, TEXT.length])
      assert.deepEqual(committer.expected, {offset: TEXT.length, line: 3})
      assert.equal((await readSourceProgress(db, 'file:1:2'))?.offset, TEXT.length)
    })
  }

  it('without retry, or for an error that is not an outage, the error propagates and nothing is stored', async (t) => {
    const db = await database(t)
    const {writer} = failingOnce(db, false)
    const committer = new SourceCommitter(writer, stats(), {key: 'file:1:2', path: '/x/test.log', head: TEXT, expected: undefined})
    await assert.rejects(committer.commit(batch()), DatabaseError)
    const broken = {write: async () => Promise.reject(new DatabaseError('no such table: logs', {target: 'test', code: 'SQLITE_ERROR'}))} as unknown as LogWriter
    const retrying = new SourceCommitter(broken, stats(), {key: 'file:1:3', path: '/x/test.log', head: TEXT, expected: undefined}, {readProgress: async () => undefined})
    await assert.rejects(retrying.commit(batch()), /no such table/)
    assert.equal(await count(db), 0)
  })

  it('stops waiting for the database when its signal aborts', async (t) => {
    const db = await database(t)
    const down = {write: async () => Promise.reject(outage())} as unknown as LogWriter
    const stop = new AbortController()
    const committer = new SourceCommitter(down, stats(), {key: 'file:1:4', path: '/x/test.log', head: TEXT, expected: undefined}, {
      readProgress: async () => undefined,
      signal: stop.signal,
      onOutage: () => stop.abort(),
    })
    await assert.rejects(committer.commit(batch()), /connection lost/)
    assert.equal(await count(db), 0)
  })
})
