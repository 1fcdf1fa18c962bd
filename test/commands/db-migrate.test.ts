import assert from 'node:assert/strict'
import {describe, test} from 'node:test'

import {allMigrations} from '../../src/db/migrations/index.js'
import {ExitCode} from '../../src/exit-codes.js'
import {DATABASE_KINDS, freshDatabase, skipReason} from '../helpers/databases.js'
import {runCli} from '../helpers/run-cli.js'

const ALL = Object.keys(allMigrations()).sort()

for (const kind of DATABASE_KINDS) {
  describe(`decnet db migrate (${kind})`, {skip: skipReason(kind)}, () => {
    test('applies everything once, then reports the database up to date', async (t) => {
      const {url, cleanup} = (await freshDatabase(kind))
      t.after(cleanup)
      const first = await runCli(['db', 'migrate', '--db', url, '--json'])
      assert.equal(first.code, 0, first.stderr)
      const result = JSON.parse(first.stdout) as {applied: string[]; migrations: Array<{executedAt: string; name: string}>}
      assert.deepEqual(result.applied, ALL)
      assert.deepEqual(result.migrations.map((m) => m.name), ALL)
      assert.ok(result.migrations.every((m) => /^\d{4}-.*Z$/.test(m.executedAt)))
      const second = await runCli(['db', 'migrate', '--db', url])
      assert.equal(second.code, 0, second.stderr)
      assert.match(second.stdout, new RegExp(`is up to date \\(${ALL.length} migrations\\)`))
    })
  })
}

describe('decnet db migrate: failures', () => {
  test('an unreachable database: exit DATABASE, also with --json, password not shown', async () => {
    for (const json of [[], ['--json']]) {
      const run = await runCli(['db', 'migrate', '--db', 'postgres://decnet:hunter2@127.0.0.1:1/decnet', ...json])
      assert.equal(run.code, ExitCode.DATABASE, `${json.join(' ')}: ${run.stderr}`)
      assert.match(run.stdout + run.stderr, /cannot connect to postgresql at 127\.0\.0\.1:1: connection refused/)
      assert.ok(!(run.stdout + run.stderr).includes('hunter2'))
    }
  })

  test('a malformed url: exit USAGE naming it', async () => {
    const run = await runCli(['db', 'migrate', '--db', 'mysql://root@db/x'])
    assert.equal(run.code, ExitCode.USAGE)
    assert.match(run.stderr, /bad database url "mysql:\/\/root@db\/x": unsupported scheme "mysql:"/)
  })

  test('DECNET_DB_URL is used when --db is absent', async () => {
    const run = await runCli(['db', 'migrate'], {env: {DECNET_DB_URL: 'postgres://decnet@127.0.0.1:1/decnet'}})
    assert.equal(run.code, ExitCode.DATABASE)
    assert.match(run.stderr, /127\.0\.0\.1:1/)
  })
})
