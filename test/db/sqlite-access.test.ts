import assert from 'node:assert/strict'
import {spawnSync} from 'node:child_process'
import {chmodSync, chownSync, mkdirSync, mkdtempSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {after, test} from 'node:test'

import {sqliteAccessFix, sqliteAccessProblem} from '../../src/db/sqlite-access.js'

// These tests make files owned by other users, which needs root (CI and this project's machines run as root).
const options = {skip: process.getuid?.() === 0 ? false : 'needs root to chown test directories'}
const nobody = {gid: 65534, name: 'nobody', uid: 65534}
const root = mkdtempSync(join(tmpdir(), 'decnet-access-'))
chmodSync(root, 0o755)
after(() => rmSync(root, {force: true, recursive: true}))

function dir(name: string, mode: number, owner: {gid: number; uid: number} = {gid: 0, uid: 0}): string {
  const path = join(root, name)
  mkdirSync(path, {recursive: true})
  chmodSync(path, mode)
  chownSync(path, owner.uid, owner.gid)
  return path
}

test('a directory the user cannot enter is named with its owner and mode', options, () => {
  const closed = dir('closed', 0o700)
  const why = sqliteAccessProblem(join(closed, 'decnet.sqlite'), nobody)
  assert.match(String(why), /user nobody cannot enter directory .*closed \(owner uid 0, group 0, mode 0700\)/)
})

test('a directory the user can enter but not write is refused (SQLite needs -wal and -shm there)', options, () => {
  const readOnly = dir('read-only', 0o755)
  assert.match(String(sqliteAccessProblem(join(readOnly, 'decnet.sqlite'), nobody)), /cannot write in directory .*read-only/)
})

test("the user's own directory is fine, and so is a missing file under it", options, () => {
  const own = dir('own', 0o700, nobody)
  assert.equal(sqliteAccessProblem(join(own, 'decnet.sqlite'), nobody), null)
  assert.equal(sqliteAccessProblem(join(own, 'not', 'yet', 'decnet.sqlite'), nobody), null)
})

test('group bits count for the primary group; other bits for everyone else', options, () => {
  const shared = dir('group-shared', 0o770, {gid: 65534, uid: 0})
  assert.equal(sqliteAccessProblem(join(shared, 'decnet.sqlite'), nobody), null)
  assert.match(String(sqliteAccessProblem(join(shared, 'decnet.sqlite'), {gid: 1234, uid: 1234})), /uid 1234 cannot enter/)
})

test('an existing database file (or -wal file) the user cannot write is refused', options, () => {
  const own = dir('own-with-root-file', 0o755, nobody)
  const file = join(own, 'decnet.sqlite')
  writeFileSync(file, '')
  chmodSync(file, 0o644)
  assert.match(String(sqliteAccessProblem(file, nobody)), /cannot read and write .*decnet\.sqlite \(owner uid 0/)
  chownSync(file, 65534, 65534)
  writeFileSync(`${file}-wal`, '')
  assert.match(String(sqliteAccessProblem(file, nobody)), /decnet\.sqlite-wal/)
})

test('a root fleet (permission bits do not bind it) and in-memory databases are never refused', options, () => {
  const theirs = dir('nobodys-own', 0o700, nobody)
  assert.equal(sqliteAccessProblem(join(theirs, 'x.sqlite'), {gid: 0, overridesPermissions: true, uid: 0}), null)
  assert.equal(sqliteAccessProblem(':memory:', nobody), null)
})

test('uid 0 without its capabilities (--allow-root workers under setpriv) meets the bits like any user', options, () => {
  const theirs = dir('nobodys-db', 0o700, nobody)
  const rootAccount = {gid: 0, name: 'root', uid: 0}
  assert.match(String(sqliteAccessProblem(join(theirs, 'x.sqlite'), rootAccount)), /user root cannot enter directory .*nobodys-db \(owner uid 65534/)
  assert.equal(sqliteAccessProblem(join(dir('roots-db', 0o700), 'x.sqlite'), rootAccount), null)
})

test('the fix hands over a directory holding only the database (and its -wal, -shm)', options, () => {
  const own = dir('only-the-db', 0o700)
  for (const f of ['decnet.sqlite', 'decnet.sqlite-wal', 'decnet.sqlite-shm']) writeFileSync(join(own, f), '')
  assert.match(sqliteAccessFix(join(own, 'decnet.sqlite'), nobody), new RegExp(`Give nobody the database's directory, which holds only the database \\(chown -R nobody: ${own},`))
})

test('the fix never hands over a directory holding anything else (the old default place, beside the plugin list)', options, () => {
  const data = dir('data-dir', 0o755)
  writeFileSync(join(data, 'package.json'), '{}')
  writeFileSync(join(data, 'decnet.sqlite'), '')
  const fix = sqliteAccessFix(join(data, 'decnet.sqlite'), nobody)
  assert.doesNotMatch(fix, new RegExp(`chown -R nobody: ${data}[ ,;)]`))
  assert.match(fix, /holds other files \(package\.json\), which nobody must not be given/)
  assert.match(fix, new RegExp(`mkdir -p -m 0700 ${data}/db && mv ${data}/decnet\\.sqlite\\* ${data}/db/ && chown -R nobody: ${data}/db;`))
})

test('the fix for a directory that does not exist yet creates it for the user', options, () => {
  assert.match(sqliteAccessFix(join(root, 'missing', 'decnet.sqlite'), nobody), /install -d -m 0700 -o nobody -g 65534 .*\/missing,/)
})

test('decnet fleet heavy --user nobody refuses a database nobody cannot write, before spawning, with exit 10', options, () => {
  const dataDir = dir('cli-data', 0o700)
  const result = spawnSync(process.execPath, ['bin/run.js', 'fleet', 'heavy', '--once', '--user', 'nobody'], {
    encoding: 'utf8',
    env: {...process.env, DECNET_DATA_DIR: dataDir, DECNET_DB_URL: '', DECNET_RUNTIME_DIR: dir('cli-run', 0o700)},
  })
  assert.equal(result.status, 10, result.stderr)
  assert.match(result.stderr, /user nobody cannot enter directory/)
  assert.doesNotMatch(result.stdout, /ready/)
})
