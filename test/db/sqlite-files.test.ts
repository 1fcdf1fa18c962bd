// The SQLite database holds attacker intelligence: its files are private whatever the umask, a symlink planted at
// its path is not followed to create a file elsewhere, and opening never creates what it must not.
import assert from 'node:assert/strict'
import {execFileSync} from 'node:child_process'
import {chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, symlinkSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {describe, test, type TestContext} from 'node:test'

import {DatabaseError} from '../../src/db/errors.js'
import {openDatabase, withDatabase} from '../../src/db/open.js'

const OPEN = new URL('../../dist/db/open.js', import.meta.url).href

const tempDir = (t: TestContext): string => {
  const dir = mkdtempSync(join(tmpdir(), 'decnet-sqlite-files-'))
  t.after(() => rmSync(dir, {force: true, recursive: true}))
  return dir
}

const mode = (path: string): string => (statSync(path).mode & 0o7777).toString(8).padStart(4, '0')

/** Opens (creating) the database in a fresh node process with this umask, writes to it, and keeps it open while reporting the modes. */
function createWithUmask(path: string, umask: number): Record<string, string> {
  const script = `
    import {statSync} from 'node:fs'
    import {sql} from 'kysely'
    import {openDatabase} from ${JSON.stringify(OPEN)}
    process.umask(${umask})
    const db = await openDatabase(${JSON.stringify(`sqlite:${path}`)})
    await sql\`create table t (x integer)\`.execute(db)
    await sql\`insert into t values (1)\`.execute(db)
    const mode = (p) => (statSync(p).mode & 0o7777).toString(8).padStart(4, '0')
    console.log(JSON.stringify({db: mode(${JSON.stringify(path)}), wal: mode(${JSON.stringify(`${path}-wal`)}), shm: mode(${JSON.stringify(`${path}-shm`)})}))
    await db.destroy()`
  return JSON.parse(execFileSync(process.execPath, ['--input-type=module', '-e', script], {cwd: new URL('../..', import.meta.url), encoding: 'utf8'}))
}

describe('sqlite database files', () => {
  test('a new database and its -wal and -shm are 0600 under umask 0 and 022 (SQLite alone made them 0666 / 0644)', (t) => {
    const dir = tempDir(t)
    chmodSync(dir, 0o755)
    assert.deepEqual(createWithUmask(join(dir, 'open.sqlite'), 0), {db: '0600', shm: '0600', wal: '0600'})
    assert.deepEqual(createWithUmask(join(dir, 'usual.sqlite'), 0o022), {db: '0600', shm: '0600', wal: '0600'})
  })

  test('in a setgid directory (shared with a group) the files are 0640: the group may read, never write', (t) => {
    const dir = join(tempDir(t), 'shared')
    mkdirSync(dir)
    chmodSync(dir, 0o2750)
    assert.deepEqual(createWithUmask(join(dir, 'decnet.sqlite'), 0), {db: '0640', shm: '0640', wal: '0640'})
  })

  test("an existing database keeps the mode its operator gave it", async (t) => {
    const path = join(tempDir(t), 'decnet.sqlite')
    await withDatabase(`sqlite:${path}`, async () => {})
    chmodSync(path, 0o660)
    await withDatabase(`sqlite:${path}`, async () => {})
    assert.equal(mode(path), '0660')
  })

  test('a symlink planted at the path, to a missing file, is refused: its target is never created', async (t) => {
    const dir = tempDir(t)
    const target = join(dir, 'elsewhere', 'planted.sqlite')
    mkdirSync(join(dir, 'elsewhere'))
    symlinkSync(target, join(dir, 'decnet.sqlite'))
    await assert.rejects(openDatabase(`sqlite:${join(dir, 'decnet.sqlite')}`), (error) => {
      assert.ok(error instanceof DatabaseError)
      assert.match(error.message, /refusing sqlite database .*decnet\.sqlite: it is a symlink to a missing file/)
      return true
    })
    assert.equal(existsSync(target), false, 'the symlink target was created')
  })

  test("a missing directory is an error, not created (only create: 'directory', decnet's default place, creates it, 0700)", async (t) => {
    const dir = tempDir(t)
    const path = join(dir, 'no', 'such', 'x.sqlite')
    await assert.rejects(openDatabase(`sqlite:${path}`), (error) => {
      assert.ok(error instanceof DatabaseError)
      assert.equal(error.code, 'ENOENT')
      assert.match(error.message, /no sqlite database at .*x\.sqlite: directory .*no\/such does not exist/)
      return true
    })
    assert.deepEqual(readdirSync(dir), [], 'nothing was created')
    await withDatabase(`sqlite:${path}`, async () => {}, {create: 'directory'})
    assert.equal(mode(join(dir, 'no', 'such')), '0700')
    assert.equal(mode(path), '0600')
  })

  test("create: 'nothing' (read-only commands) never makes a database: a missing file is a DatabaseError", async (t) => {
    const dir = tempDir(t)
    const path = join(dir, 'x.sqlite')
    await assert.rejects(openDatabase(`sqlite:${path}`, {create: 'nothing'}), (error) => {
      assert.ok(error instanceof DatabaseError)
      assert.equal(error.code, 'ENOENT')
      assert.equal(error.message, `no sqlite database at ${path} (nothing has been stored there yet)`)
      return true
    })
    assert.deepEqual(readdirSync(dir), [])
    await withDatabase(`sqlite:${path}`, async () => {})
    await withDatabase(`sqlite:${path}`, async () => {}, {create: 'nothing'})
  })
})
