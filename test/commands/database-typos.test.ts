// A typo in --db must never create a database: a URL-looking value that is not a URL is a usage error (exit 2), a
// path whose directory does not exist is an error (exit 10), and read-only commands never create one (exit 10).
import assert from 'node:assert/strict'
import {execFile} from 'node:child_process'
import {chmodSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {describe, it, type TestContext} from 'node:test'

import {RUN} from '../helpers/decnet-cli.js'
import {freshDatabase, skipReason} from '../helpers/databases.js'

const EXIT = {DATABASE: 10, OK: 0, USAGE: 2}
const LINE = '<13>1 2026-01-01T00:00:00Z decky-01 ssh - login_attempt [decnet@55555 src_ip="203.0.113.7" username="root" password="x"] failed'

/** A scratch directory that is also the command's working directory and data directory. */
function scratch(t: TestContext): string {
  const dir = mkdtempSync(join(tmpdir(), 'decnet-typos-'))
  t.after(() => rmSync(dir, {force: true, recursive: true}))
  return dir
}

interface Run {
  code: number | string | null | undefined
  stderr: string
  stdout: string
}

function decnet(args: string[], {cwd, dataDir, env = {}}: {cwd: string; dataDir: string; env?: NodeJS.ProcessEnv}): Promise<Run> {
  return new Promise((resolve) => {
    const fullEnv = {...process.env, DECNET_DATA_DIR: dataDir, DECNET_DB_URL: '', DECNET_RUNTIME_DIR: join(dataDir, 'run'), ...env}
    execFile(process.execPath, [RUN, ...args], {cwd, env: fullEnv, timeout: 60_000}, (error, stdout, stderr) => {
      resolve({code: error ? error.code : 0, stderr: stderr.replaceAll(/\s*\n\s*(›\s*)?/g, ' '), stdout})
    })
  })
}

describe('--db typos', () => {
  it('postgres:/bad exits 2 for every command, and creates no file named after it', async (t) => {
    const dir = scratch(t)
    const data = join(dir, 'data')
    writeFileSync(join(dir, 'in.log'), `${LINE}\n`)
    for (const args of [['ingest', 'in.log'], ['db', 'migrate'], ['attackers'], ['attackers', 'show', '203.0.113.7'], ['fleet', 'heavy', '--once']]) {
      const run = await decnet([...args, '--db', 'postgres:/bad'], {cwd: dir, dataDir: data})
      assert.equal(run.code, EXIT.USAGE, `${args.join(' ')}: ${run.stderr}`)
      assert.match(run.stderr, /bad database url "postgres:\/bad": not a valid postgres URL: write postgres:\/\/USER@HOST\/DATABASE/, args.join(' '))
    }

    assert.deepEqual(readdirSync(dir), ['in.log'], 'no "postgres:" directory and no database appeared')
  })

  it('a --db in a directory that does not exist: exit 10 for writers too, and the directory is not created', async (t) => {
    const dir = scratch(t)
    const data = join(dir, 'data')
    const db = join(dir, 'nonexistent', 'dir', 'x.db')
    writeFileSync(join(dir, 'in.log'), `${LINE}\n`)
    for (const args of [['ingest', 'in.log'], ['db', 'migrate'], ['attackers'], ['attackers', 'show', '203.0.113.7']]) {
      const run = await decnet([...args, '--db', db], {cwd: dir, dataDir: data})
      assert.equal(run.code, EXIT.DATABASE, `${args.join(' ')}: ${run.stderr}`)
      assert.match(run.stderr, /no sqlite database at .*nonexistent\/dir\/x\.db: directory .*nonexistent\/dir does not exist/, args.join(' '))
    }

    assert.deepEqual(readdirSync(dir), ['in.log'])
  })

  it('read-only commands never create a database: a missing file is exit 10 (it used to be "no attacker", exit 11)', async (t) => {
    const dir = scratch(t)
    const data = join(dir, 'data')
    const db = join(dir, 'x.db')
    const show = await decnet(['attackers', 'show', '203.0.113.7', '--db', db], {cwd: dir, dataDir: data})
    assert.equal(show.code, EXIT.DATABASE, show.stderr)
    assert.match(show.stderr, new RegExp(`no sqlite database at ${db} \\(nothing has been stored there yet\\)`))
    const list = await decnet(['attackers'], {cwd: dir, dataDir: data})
    assert.equal(list.code, EXIT.DATABASE, list.stderr)
    assert.match(list.stderr, /no sqlite database at .*data\/db\/decnet\.sqlite/)
    const status = await decnet(['fleet', 'status'], {cwd: dir, dataDir: data})
    assert.equal(status.code, EXIT.OK, status.stderr)
    assert.deepEqual(readdirSync(dir), [], 'neither the --db file nor the data directory was created')
  })

  it('a writer creates the default database where it belongs: <data dir>/db (0700) holding decnet.sqlite (0600)', async (t) => {
    const dir = scratch(t)
    const data = join(dir, 'data')
    writeFileSync(join(dir, 'in.log'), `${LINE}\n`)
    const run = await decnet(['ingest', 'in.log'], {cwd: dir, dataDir: data})
    assert.equal(run.code, EXIT.OK, run.stderr)
    assert.equal(statSync(join(data, 'db')).mode & 0o777, 0o700)
    assert.equal(statSync(join(data, 'db', 'decnet.sqlite')).mode & 0o777, 0o600)
    assert.deepEqual(readdirSync(join(data, 'db')).filter((f) => !/-(wal|shm)$/.test(f)), ['decnet.sqlite'])
    const list = await decnet(['attackers'], {cwd: dir, dataDir: data})
    assert.equal(list.code, EXIT.OK, list.stderr)
  })

  it('an existing database that every user can read (as decnet before 0.2 left it) is named, with the chmod that closes it', async (t) => {
    const dir = scratch(t)
    const data = join(dir, 'data')
    const db = join(dir, 'old.sqlite')
    assert.equal((await decnet(['db', 'migrate', '--db', db], {cwd: dir, dataDir: data})).code, EXIT.OK)
    chmodSync(db, 0o644)
    const run = await decnet(['attackers', '--db', db], {cwd: dir, dataDir: data})
    assert.equal(run.code, EXIT.OK, run.stderr)
    assert.match(run.stderr, new RegExp(`${db} can be read by every local user \\(attacker intelligence\\); close it: chmod o-rwx ${db}`))
    chmodSync(db, 0o600)
    assert.doesNotMatch((await decnet(['attackers', '--db', db], {cwd: dir, dataDir: data})).stderr, /every local user/)
  })

  it('PostgreSQL: a database that does not exist is exit 10 for a read-only command', {skip: skipReason('postgres')}, async (t) => {
    const dir = scratch(t)
    const {cleanup, url: fresh} = await freshDatabase('postgres')
    t.after(cleanup)
    const url = new URL(fresh)
    url.pathname = '/decnet_no_such_database_typo'
    const run = await decnet(['attackers', '--db', url.href], {cwd: dir, dataDir: join(dir, 'data')})
    assert.equal(run.code, EXIT.DATABASE, run.stderr)
  })
})
