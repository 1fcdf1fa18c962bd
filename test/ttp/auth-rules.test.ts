// The counting rules as pure functions: each fires on its evidence and not on its near misses,
// hostile principals and secrets do not break them, and the rules are checked against the catalog.
import assert from 'node:assert/strict'
import {describe, it} from 'node:test'

import type {AuthFailure} from '../../src/ttp/brute-force.js'
import type {TechniqueIndex} from '../../src/ttp/technique-check.js'

import {readCatalog, shippedCatalogPath} from '../../src/ttp/attack-catalog.js'
import {collectAuth, noAuthEvents, pairKey} from '../../src/ttp/auth/auth-events.js'
import {authSettings, DEFAULT_AUTH_SETTINGS, lookbackMs} from '../../src/ttp/auth/auth-settings.js'
import {beaconTags, readBeaconState} from '../../src/ttp/auth/beaconing.js'
import {checkCountingRules, COUNTING_RULE_IDS, COUNTING_RULES} from '../../src/ttp/auth/counting-rules.js'
import {stuffingTags} from '../../src/ttp/auth/credential-stuffing.js'
import {defaultCredentialTags, readDefaultCredentials} from '../../src/ttp/auth/default-credentials.js'
import {loginAfterBruteForceTags} from '../../src/ttp/auth/login-after-brute-force.js'
import {sprayingTags} from '../../src/ttp/auth/password-spraying.js'
import {classifyAuth} from '../../src/logs/auth.js'
import {readFields} from '../../src/logs/fields.js'
import {techniqueIndex} from '../../src/ttp/technique-check.js'
import {credentialLog} from '../helpers/auth-logs.js'

const index = techniqueIndex(await readCatalog(shippedCatalogPath()))
const {rules} = checkCountingRules(index)
const rule = (id: string) => rules.get(id)!
const settings = DEFAULT_AUTH_SETTINGS
const SECOND = 1000
const T0 = Date.UTC(2026, 10, 26, 12)

function failure(id: number, ip: string, seconds: number, principal: null | string, secret: null | string = 'Summer2026!'): AuthFailure {
  return {id, ip, ms: T0 + seconds * SECOND, principal, secretSha256: secret === null ? null : `sha-${secret}`, timestamp: new Date(T0 + seconds * SECOND).toISOString()}
}

/** The counting events of log rows given ids from 1. */
function collect(rows: ReturnType<typeof credentialLog>[]) {
  const events = noAuthEvents()
  const failures: AuthFailure[] = []
  for (const [at, row] of rows.entries()) {
    const fields = readFields(row.fields)
    const failed = collectAuth({...row, id: at + 1}, fields, classifyAuth({event_type: row.event_type, fields, msg: row.msg}), events)
    if (failed !== undefined) failures.push(failed)
  }

  return {events, failures}
}

describe('counting rules and the catalog', () => {
  it('every shipped counting rule passes the catalog check', () => {
    assert.deepEqual([...rules.keys()].sort(), COUNTING_RULES.map((r) => r.id).sort())
    assert.deepEqual(checkCountingRules(index).problems, [])
  })

  it('a counting rule emitting a technique the catalog does not know is refused, naming it', () => {
    const withoutSpraying: TechniqueIndex = {...index, technique: (id) => (id === 'T1110.003' ? undefined : index.technique(id))}
    const checked = checkCountingRules(withoutSpraying)
    assert.equal(checked.rules.has(COUNTING_RULE_IDS.spraying), false)
    assert.deepEqual(checked.problems, [{message: 'emits T1110.003, which ATT&CK 18.1 does not know', path: `built-in:${COUNTING_RULE_IDS.spraying}`, rule: COUNTING_RULE_IDS.spraying}])
  })

  it('emits each technique under a tactic it belongs to (beaconing: T1029 is Exfiltration, not Command and Control)', () => {
    const beacon = rule(COUNTING_RULE_IDS.beaconing)
    assert.deepEqual(beacon.emits.map((e) => `${e.technique}/${e.tactic}`), ['T1071/TA0011', 'T1029/TA0010'])
  })
})

describe('auth settings', () => {
  it('applies overrides and checks them, naming the setting', () => {
    assert.equal(authSettings({spraying: {principals: 8}}).spraying.principals, 8)
    assert.equal(authSettings({spraying: {principals: 8}}).spraying.windowSeconds, 600)
    assert.throws(() => authSettings({spraying: {principals: 0}}), /Expected `authRules.spraying.principals` to be a positive number, got `0`/)
    assert.throws(() => authSettings({spraying: {principals: 2.5}}), /whole number/)
    assert.throws(() => authSettings({spraying: {accounts: 3}}), /Unknown `authRules.spraying.accounts`/)
    assert.throws(() => authSettings({sprayin: {}}), /Unknown `authRules.sprayin`/)
    assert.throws(() => authSettings({beaconing: {events: 2}}), /at least 3/)
    assert.throws(() => authSettings({bruteForce: {windowSeconds: 90_000}}), /at most 86400 seconds/)
    assert.equal(lookbackMs(DEFAULT_AUTH_SETTINGS), 1_200_000)
  })
})

describe('password spraying', () => {
  const spray = (failures: AuthFailure[], history: AuthFailure[] = []) => sprayingTags(failures, history, rule(COUNTING_RULE_IDS.spraying), settings, '18.1')

  it('fires once, on the failure that brings one secret to five principals, with the evidence', () => {
    const failures = ['root', 'admin', 'oracle', 'test', 'user', 'guest'].map((p, n) => failure(n + 1, '203.0.113.7', n * 20, p))
    const tags = spray(failures)
    assert.deepEqual(tags.map((t) => [t.log_id, t.sub_technique_id, t.tactic]), [[5, 'T1110.003', 'TA0006']])
    assert.match(tags[0].evidence, /^5 principals, 1 secret \(sha256 sha-Summer20…\) from 203\.0\.113\.7 in 80 s: root, admin, oracle, test, user$/)
  })

  it('does not fire on one account with many passwords, nor on principals spread wider than the window, nor without a secret', () => {
    assert.deepEqual(spray(Array.from({length: 20}, (_, n) => failure(n + 1, '203.0.113.7', n, 'root', `pw${n}`))), [])
    assert.deepEqual(spray(['a', 'b', 'c', 'd', 'e'].map((p, n) => failure(n + 1, '203.0.113.7', n * 200, p))), [])
    assert.deepEqual(spray(['a', 'b', 'c', 'd', 'e'].map((p, n) => failure(n + 1, '203.0.113.7', n, p, null))), [])
    assert.deepEqual(spray(['a', 'b', 'c', 'd', 'e'].map((p, n) => failure(n + 1, `203.0.113.${n}`, n, p))), [])
  })

  it('gives the same tag whether the earlier failures come as history or in the batch', () => {
    const failures = ['a', 'b', 'c', 'd', 'e', 'f'].map((p, n) => failure(n + 1, '203.0.113.7', n, p))
    const whole = spray(failures)
    const split = [...spray(failures.slice(0, 3)), ...spray(failures.slice(3), failures.slice(0, 3))]
    assert.deepEqual(split, whole)
  })

  it('escapes and bounds hostile principals in the evidence', () => {
    const hostile = ['\u001b[31mred', 'x'.repeat(70_000), 'nul\u0000', 'bell\u0007', 'tab\t']
    const tags = spray(hostile.map((p, n) => failure(n + 1, '203.0.113.7', n, p)))
    assert.equal(tags.length, 1)
    assert.ok(tags[0].evidence.length <= 201, `${tags[0].evidence.length}`)
    assert.doesNotMatch(tags[0].evidence, /[\u0000-\u001f\u007f]/)
    assert.match(tags[0].evidence, /\\x1b\[31mred/)
  })
})

describe('a login after a brute force', () => {
  const after = (successes: Parameters<typeof loginAfterBruteForceTags>[0], failures: AuthFailure[]) =>
    loginAfterBruteForceTags(successes, failures, rule(COUNTING_RULE_IDS.loginAfterBruteForce), settings, '18.1')
  const success = (id: number, seconds: number, ip = '203.0.113.7') => ({id, ip, ms: T0 + seconds * SECOND, principal: 'root', timestamp: new Date(T0 + seconds * SECOND).toISOString()})

  it('tags a success after five failures with Valid Accounts and Brute Force', () => {
    const failures = Array.from({length: 5}, (_, n) => failure(n + 1, '203.0.113.7', n, 'root', `p${n}`))
    const tags = after([success(6, 10)], failures)
    assert.deepEqual(tags.map((t) => [t.log_id, t.technique_id, t.sub_technique_id, t.tactic]), [[6, 'T1078', null, 'TA0001'], [6, 'T1110', null, 'TA0006']])
    assert.equal(tags[0].evidence, 'login succeeded for root after 5 failed logins from 203.0.113.7 in 10 s')
  })

  it('does not tag a success alone, after four failures, after failures of another IP, or failures that came after it', () => {
    const four = Array.from({length: 4}, (_, n) => failure(n + 1, '203.0.113.7', n, 'root', `p${n}`))
    assert.deepEqual(after([success(10, 10)], []), [])
    assert.deepEqual(after([success(10, 10)], four), [])
    assert.deepEqual(after([success(10, 10, '203.0.113.8')], [...four, failure(5, '203.0.113.7', 5, 'root')]), [])
    assert.deepEqual(after([success(3, 10)], [...four, failure(5, '203.0.113.7', 5, 'root')]), [])
    assert.deepEqual(after([success(10, 700)], [...four, failure(5, '203.0.113.7', 5, 'root')]), [])
  })
})

const list = await readDefaultCredentials()

describe('default credentials', () => {
  const tagsOf = (rows: ReturnType<typeof credentialLog>[]) => defaultCredentialTags(collect(rows).events.credentials, list, rule(COUNTING_RULE_IDS.defaultCredentials), '18.1')

  it('the shipped list holds the documented vendor defaults', () => {
    const pairs = new Set(list.entries.map((e) => `${e.principal}/${e.secret}`))
    for (const pair of ['admin/admin', 'root/root', 'pi/raspberry', 'ubnt/ubnt', 'cisco/cisco', 'postgres/postgres', 'sa/']) assert.ok(pairs.has(pair), pair)
  })

  it('tags a plaintext default pair, an empty sa password, and not a near miss or a hash', () => {
    const tags = tagsOf([
      credentialLog({at: 0, ip: '203.0.113.7', principal: 'pi', secret: 'raspberry'}),
      credentialLog({at: 1, ip: '203.0.113.7', principal: 'pi', secret: 'raspberry1'}),
      credentialLog({at: 2, ip: '203.0.113.7', principal: 'Pi', secret: 'raspberry'}),
      credentialLog({at: 3, ip: '203.0.113.7', principal: 'sa', secret: '', service: 'mssql'}),
      credentialLog({at: 4, ip: '203.0.113.7', kind: 'mysql_native_password', principal: 'root', secret: 'root'}),
      credentialLog({at: 5, ip: '203.0.113.7', principal: null, secret: 'admin'}),
    ])
    assert.deepEqual(tags.map((t) => [t.log_id, t.sub_technique_id, t.tactic]), [[1, 'T1078.001', 'TA0001'], [4, 'T1078.001', 'TA0001']])
    assert.equal(tags[1].evidence, 'default credential sa / (empty) (Microsoft SQL Server (empty sa password)) on decky-01/mssql')
  })
})

describe('credential stuffing', () => {
  const stuff = (rows: ReturnType<typeof credentialLog>[]) => {
    const state = {pairs: new Map(), tagged: new Map()}
    return stuffingTags(collect(rows).events.credentials, state, rule(COUNTING_RULE_IDS.stuffing), '18.1').tags.map((t) => t.log_id)
  }

  const use = (ip: string, at: number, decky = 'decky-01', service = 'ssh', principal = 'alice', secret = 'Winter2025') => credentialLog({at, decky, ip, principal, secret, service})

  it('tags a pair used on a second target, and each attacker once', () => {
    assert.deepEqual(stuff([use('198.51.100.1', 0), use('198.51.100.1', 1, 'decky-02'), use('198.51.100.1', 2, 'decky-03')]), [2])
    assert.deepEqual(stuff([use('198.51.100.1', 0), use('198.51.100.2', 1), use('198.51.100.1', 2), use('198.51.100.3', 3), use('198.51.100.2', 4)]), [2, 3, 4])
  })

  it('does not tag a pair repeated on one target by one attacker, or different pairs', () => {
    assert.deepEqual(stuff([use('198.51.100.1', 0), use('198.51.100.1', 1), use('198.51.100.1', 2)]), [])
    assert.deepEqual(stuff([use('198.51.100.1', 0), use('198.51.100.2', 1, 'decky-01', 'ssh', 'bob'), use('198.51.100.3', 2, 'decky-02', 'ssh', 'alice', 'other')]), [])
  })

  it('gives the same tags folded in one batch or one use at a time through the state', () => {
    const rows = [use('198.51.100.1', 0), use('198.51.100.2', 1), use('198.51.100.1', 2), use('198.51.100.3', 3, 'decky-02')]
    const uses = collect(rows).events.credentials
    const state = {pairs: new Map(), tagged: new Map()}
    const one = uses.flatMap((u) => stuffingTags([u], state, rule(COUNTING_RULE_IDS.stuffing), '18.1').tags)
    const all = stuffingTags(uses, {pairs: new Map(), tagged: new Map()}, rule(COUNTING_RULE_IDS.stuffing), '18.1').tags
    assert.deepEqual(one, all)
    assert.equal(pairKey('plaintext', 'alice', uses[0].secretSha256), uses[0].pairKey)
  })
})

describe('beaconing', () => {
  const beacon = (events: Array<[number, number, string?]>, states = new Map()) =>
    beaconTags(events.map(([id, seconds, service = 'http']) => ({id, ip: '192.0.2.7', ms: T0 + seconds * SECOND, service, timestamp: new Date(T0 + seconds * SECOND).toISOString()})), states, rule(COUNTING_RULE_IDS.beaconing), settings, '18.1').tags

  it('tags the sixth event of a steady minute cadence once, with T1071 and T1029', () => {
    const tags = beacon(Array.from({length: 10}, (_, n) => [n + 1, n * 60 + (n % 2)] as [number, number]))
    assert.deepEqual(tags.map((t) => [t.log_id, t.technique_id, t.tactic]), [[6, 'T1071', 'TA0011'], [6, 'T1029', 'TA0010']])
    assert.match(tags[0].evidence, /^6 events on http every 60\.\d s \(cv 0\.0\d\d\) from 192\.0\.2\.7$/)
  })

  it('does not tag irregular gaps, a fast cadence, two services, or too few events', () => {
    assert.deepEqual(beacon([[1, 0], [2, 5], [3, 70], [4, 75], [5, 200], [6, 201], [7, 300]]), [])
    assert.deepEqual(beacon(Array.from({length: 10}, (_, n) => [n + 1, n * 2] as [number, number])), [])
    assert.deepEqual(beacon(Array.from({length: 10}, (_, n) => [n + 1, n * 60, n % 2 === 0 ? 'http' : 'ssh'] as [number, number, string])), [])
    assert.deepEqual(beacon(Array.from({length: 5}, (_, n) => [n + 1, n * 60] as [number, number])), [])
  })

  it('gives the same tags event by event through its stored state, and skips events folded already', () => {
    const events = Array.from({length: 9}, (_, n) => [n + 1, n * 30] as [number, number])
    const states = new Map()
    const one = events.flatMap((e) => {
      const tags = beacon([e], states)
      for (const [ip, s] of states) states.set(ip, {...s, state: readBeaconState(JSON.stringify(s.state))})
      return tags
    })
    assert.deepEqual(one, beacon(events))
    assert.deepEqual(beacon(events, states), [])
    assert.deepEqual(readBeaconState('not json'), {active: false, times: []})
  })
})

describe('hostile credentials', () => {
  it('control bytes, a 64 KiB principal, invalid UTF-8 and broken base64 are collected safely or ignored', () => {
    const rows = [
      credentialLog({at: 0, ip: '203.0.113.7', principal: '\u0000\u001b[2J\u007f', secret: Buffer.from([0xff, 0xfe, 0x00, 0xc3])}),
      credentialLog({at: 1, ip: '203.0.113.7', principal: 'p'.repeat(65_536), secret: 'x'.repeat(65_536)}),
      credentialLog({at: 2, ip: '203.0.113.7', principal: 'root', secret: '', secretB64: 'not base64!'}),
      credentialLog({at: 3, ip: '203.0.113.7', principal: '\ud800lone', secret: 'a'}),
    ]
    const {events, failures} = collect(rows)
    assert.equal(events.credentials.length, 3)
    assert.equal(failures.length, 4)
    for (const f of failures) assert.ok(f.principal === null || f.principal === undefined || (f.principal.length <= 256 && !f.principal.includes('\u0000')), JSON.stringify(f.principal?.slice(0, 20)))
    assert.equal(failures[2].secretSha256, null)
  })
})
