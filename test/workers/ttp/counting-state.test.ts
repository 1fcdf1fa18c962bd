// The operator's rule state reaches the counting rules in the real ttp worker, on SQLite and PostgreSQL:
// a counting rule switched off tags nothing new (its tags stay), a cap lowers its confidence, switched back
// on it tags again; and in LiveRules, a reload and an expiry change the counting rules a tick runs.
import assert from 'node:assert/strict'
import {writeFileSync} from 'node:fs'
import {join} from 'node:path'
import {describe, it, type TestContext} from 'node:test'

import type {Kysely} from 'kysely'

import type {Database} from '../../../src/db/schema.js'

import {parseDatabaseUrl} from '../../../src/db/url.js'
import {loadAuthRules} from '../../../src/ttp/auth/auth-rules.js'
import {loadTechniqueIndex} from '../../../src/ttp/rule-loader.js'
import {parseRuleState} from '../../../src/ttp/rule-state.js'
import {RULE_STATE_ENV} from '../../../src/ttp/rule-state-path.js'
import {writeRuleState} from '../../../src/ttp/rule-state-store.js'
import {LiveRules} from '../../../src/workers/ttp/live-rules.js'
// from dist/: the worker loads its rules in a process that runs rules-child.js next to its module, which src/ does not have
import ttp from '../../../dist/workers/ttp/worker.js'
import {credentialLog} from '../../helpers/auth-logs.js'
import {DATABASE_KINDS, migratedDatabase, skipReason} from '../../helpers/databases.js'
import {insertLogs, readTags} from '../../helpers/ttp-logs.js'
import {tempDir} from '../../helpers/rule-files.js'

const BRUTE = 'credential-access.brute-force'
const SPRAY = 'credential-access.password-spraying'
const {auth} = await loadAuthRules(await loadTechniqueIndex())

/** Five failed logins as root from `ip`, each with another secret, `at` minutes on (a brute force at the fifth). */
const guessing = (ip: string, at: number) => [0, 1, 2, 3, 4].map((n) => credentialLog({at: at + n / 10, ip, principal: 'root', secret: `guess-${ip}-${n}`}))

/** The state file the worker reads ($DECNET_RULE_STATE, as `decnet fleet` sets it), for this test only. */
function stateFile(t: TestContext): string {
  const path = join(tempDir(t), 'rule-state.json')
  const before = process.env[RULE_STATE_ENV]
  process.env[RULE_STATE_ENV] = path
  t.after(() => {
    if (before === undefined) delete process.env[RULE_STATE_ENV]
    else process.env[RULE_STATE_ENV] = before
  })
  return path
}

async function setState(path: string, rules: Record<string, unknown>): Promise<void> {
  await writeRuleState(path, parseRuleState(JSON.stringify({rules, version: 1}), path))
}

/** The counting tags of `rules`, as `rule ip confidence`, sorted. */
async function tagged(db: Kysely<Database>, rules: readonly string[] = [BRUTE, SPRAY]): Promise<string[]> {
  return (await readTags(db)).filter((tag) => rules.includes(tag.rule_id)).map((tag) => `${tag.rule_id} ${tag.attacker_ip} ${tag.confidence}`).sort()
}

for (const kind of DATABASE_KINDS) {
  describe(`the rule state in the ttp worker's counting rules (${kind})`, {skip: skipReason(kind)}, () => {
    it('a counting rule switched off tags nothing new and keeps its tags; capped, its tags carry the cap; back on, it tags again', async (t) => {
      const statePath = stateFile(t)
      const {db, url} = await migratedDatabase(kind, t)
      const run = () => ttp({database: parseDatabaseUrl(url), debug() {}, fleet: 'test', name: 'ttp', once: true, options: {}, ready() {}, signal: new AbortController().signal})

      await insertLogs(db, guessing('203.0.113.21', 0))
      await run()
      assert.deepEqual(await tagged(db), [`${BRUTE} 203.0.113.21 0.9`])

      await setState(statePath, {[BRUTE]: {enabled: false}, [SPRAY]: {confidenceCap: 0.5}})
      await insertLogs(db, [
        ...guessing('203.0.113.22', 10),
        ...['root', 'admin', 'oracle', 'test', 'user'].map((principal, n) => credentialLog({at: 20 + n / 10, ip: '203.0.113.23', principal, secret: 'Summer2026!'})),
      ])
      await run()
      // no brute force on .22 nor .23 (five failures each); the tag made before stays; spraying capped
      assert.deepEqual(await tagged(db), [`${BRUTE} 203.0.113.21 0.9`, `${SPRAY} 203.0.113.23 0.5`])

      await setState(statePath, {[BRUTE]: {expires: '2999-01-01T00:00:00.000Z'}})
      await insertLogs(db, guessing('203.0.113.24', 30))
      await run()
      assert.deepEqual(await tagged(db), [`${BRUTE} 203.0.113.21 0.9`, `${BRUTE} 203.0.113.24 0.9`, `${SPRAY} 203.0.113.23 0.5`])

      await setState(statePath, {[BRUTE]: {expires: '2020-01-01T00:00:00.000Z'}})
      await insertLogs(db, guessing('203.0.113.25', 40))
      await run()
      assert.deepEqual(await tagged(db, [BRUTE]), [`${BRUTE} 203.0.113.21 0.9`, `${BRUTE} 203.0.113.24 0.9`], 'expired: no new tag')
    })
  })
}

describe('LiveRules with the counting rules', () => {
  it('a reload applies the new state to the counting rules; a refused reload keeps the ones it had', async (t) => {
    const statePath = join(tempDir(t), 'rule-state.json')
    const lines: string[] = []
    const log = (line: string) => void lines.push(line)
    const rules = await LiveRules.load({counting: auth, log, statePath, warn: log})
    assert.ok(rules.auth()!.rules.has(BRUTE))
    const all = rules.active

    await setState(statePath, {[BRUTE]: {enabled: false}, [SPRAY]: {confidenceCap: 0.4}})
    assert.equal(await rules.reload(), true)
    assert.ok(!rules.auth()!.rules.has(BRUTE))
    assert.equal(rules.auth()!.rules.get(SPRAY)!.confidence, 0.4)
    assert.equal(rules.auth()!.settings, auth.settings, 'the settings stay as they started')
    assert.equal(rules.active, all - 1)
    assert.equal(lines.at(-1), `rules reloaded: ${all - 1} rules active (was ${all}; ATT&CK 18.1; operator directory: none)`)

    writeFileSync(statePath, '{"version":1,"rules":{"credential-access.brute-force":{"enabled":"yes"}}}')
    assert.equal(await rules.reload(), false)
    assert.ok(!rules.auth()!.rules.has(BRUTE), 'the refused state is not used')
  })

  it('drops a counting rule at its expiry, without a reload', async (t) => {
    const statePath = join(tempDir(t), 'rule-state.json')
    await setState(statePath, {[SPRAY]: {expires: '2026-12-08T00:00:00.000Z'}})
    let now = Date.parse('2026-12-07T23:59:59Z')
    const lines: string[] = []
    const rules = await LiveRules.load({counting: auth, log: (line) => lines.push(line), now: () => now, statePath, warn: (line) => lines.push(line)})
    assert.ok(rules.auth()!.rules.has(SPRAY))
    now = Date.parse('2026-12-08T00:00:00Z')
    assert.ok(!rules.auth()!.rules.has(SPRAY))
    assert.match(lines.at(-1)!, /^rules expired: credential-access\.password-spraying; \d+ rules active$/)
  })
})
