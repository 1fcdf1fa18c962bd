import assert from 'node:assert/strict'
import {execFileSync} from 'node:child_process'
import {mkdirSync, mkdtempSync, rmSync, writeFileSync} from 'node:fs'
import {type AddressInfo, createServer} from 'node:net'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {describe, test, type TestContext} from 'node:test'

import {sql} from 'kysely'

import {dialectOf} from '../../src/db/migrate.js'
import {DatabaseError} from '../../src/db/errors.js'
import {openDatabase, withDatabase} from '../../src/db/open.js'
import {DATABASE_KINDS, freshDatabase, skipReason} from '../helpers/databases.js'

const tempDir = (t: TestContext): string => {
  const dir = mkdtempSync(join(tmpdir(), 'decnet-open-'))
  t.after(() => rmSync(dir, {recursive: true, force: true}))
  return dir
}

for (const kind of DATABASE_KINDS) {
  describe(`openDatabase (${kind})`, {skip: skipReason(kind)}, () => {
    test('opens, answers, reports its dialect, and bigint comes back as a number', async (t) => {
      const {url, cleanup} = (await freshDatabase(kind))
      t.after(cleanup)
      await withDatabase(url, async (db) => {
        assert.equal(dialectOf(db), kind)
        const {rows} = await sql<{n: unknown}>`select ${sql.lit(9_007_199_254_740_991)} as n`.execute(db)
        assert.equal(rows[0]?.n, 9_007_199_254_740_991)
        assert.equal(typeof rows[0]?.n, 'number')
      })
    })

    test('a failing query is a DatabaseError with the driver code', async (t) => {
      const {url, cleanup} = (await freshDatabase(kind))
      t.after(cleanup)
      await withDatabase(url, async (db) => {
        await assert.rejects(sql`select * from no_such_table`.execute(db), (error) => {
          assert.ok(error instanceof DatabaseError)
          assert.match(error.message, /no_such_table/)
          assert.ok(error.code, 'carries the driver code')
          return true
        })
      })
    })
  })
}

describe('openDatabase (sqlite specifics)', () => {
  test('WAL, busy timeout, synchronous=NORMAL', async (t) => {
    const path = join(tempDir(t), 'decnet.sqlite')
    await withDatabase(`sqlite:${path}`, async (db) => {
      const pragma = async (name: string): Promise<unknown> => Object.values((await sql.raw<Record<string, unknown>>(`pragma ${name}`).execute(db)).rows[0] ?? {})[0]
      assert.equal(await pragma('journal_mode'), 'wal')
      assert.ok(Number(await pragma('busy_timeout')) >= 5000)
      assert.equal(await pragma('synchronous'), 1)
    })
  })

  test('a directory where the file should be: DatabaseError naming the path', async (t) => {
    const dir = tempDir(t)
    await assert.rejects(openDatabase(`sqlite:${dir}`), (error) => error instanceof DatabaseError && error.message.includes(dir) && error.code === 'SQLITE_CANTOPEN')
  })

  test('a parent that is a file: DatabaseError saying the directory cannot be used, or created', async (t) => {
    const dir = tempDir(t)
    writeFileSync(join(dir, 'file'), 'x')
    await assert.rejects(openDatabase(`sqlite:${join(dir, 'file', 'db.sqlite')}`), /cannot use directory .*\/file for sqlite database .*file\/db\.sqlite: .*not a directory/)
    await assert.rejects(openDatabase(`sqlite:${join(dir, 'file', 'db.sqlite')}`, {create: 'directory'}), /cannot create the directory for sqlite database .*file\/db\.sqlite/)
  })

  test('a file that is not a database: DatabaseError', async (t) => {
    const path = join(tempDir(t), 'junk.sqlite')
    writeFileSync(path, 'this is not a database file, it is just text '.repeat(200))
    await assert.rejects(openDatabase(`sqlite:${path}`), (error) => error instanceof DatabaseError && error.message === `${path} is not a sqlite database`)
  })

  test('a SQLite process never loads pg', async (t) => {
    const dir = tempDir(t)
    mkdirSync(dir, {recursive: true})
    const script = `
      import {createRequire} from 'node:module'
      import {openDatabase} from ${JSON.stringify(new URL('../../dist/db/open.js', import.meta.url).href)}
      const db = await openDatabase(${JSON.stringify(`sqlite:${join(dir, 'x.sqlite')}`)})
      await db.destroy()
      const loaded = Object.keys(createRequire(import.meta.url).cache)
      console.log(JSON.stringify({pg: loaded.some((p) => p.includes('/node_modules/pg/')), sqlite: loaded.some((p) => p.includes('/node_modules/better-sqlite3/'))}))`
    const out = execFileSync(process.execPath, ['--input-type=module', '-e', script], {encoding: 'utf8'})
    assert.deepEqual(JSON.parse(out), {pg: false, sqlite: true})
  })
})

describe('openDatabase (postgres specifics)', () => {
  test('connection refused: DatabaseError naming host and port', async () => {
    const port = await closedPort()
    await assert.rejects(openDatabase(`postgres://decnet@127.0.0.1:${port}/decnet`), (error) => {
      assert.ok(error instanceof DatabaseError)
      assert.equal(error.message, `cannot connect to postgresql at 127.0.0.1:${port}: connection refused`)
      assert.equal(error.code, 'ECONNREFUSED')
      return true
    })
  })

  test('an unknown host is named', async () => {
    await assert.rejects(openDatabase('postgres://decnet@no-such-host.invalid/decnet'), /host "no-such-host\.invalid" not found/)
  })

  test('a missing database is named, and the password never shows', {skip: skipReason('postgres')}, async (t) => {
    const {url, cleanup} = (await freshDatabase('postgres'))
    t.after(cleanup)
    const missing = new URL(url)
    missing.pathname = '/no_such_database'
    missing.password = 'hunter2'
    await assert.rejects(openDatabase(missing.toString()), (error) => {
      assert.ok(error instanceof DatabaseError)
      assert.match(error.message, /postgresql database "no_such_database" does not exist at 127\.0\.0\.1:\d+/)
      assert.ok(!error.message.includes('hunter2') && !error.target.includes('hunter2'))
      return true
    })
  })
})

function closedPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer()
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const {port} = server.address() as AddressInfo
      server.close(() => resolve(port))
    })
  })
}
