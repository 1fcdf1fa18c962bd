// `decnet rules disable|enable|cap|expire`: the state file they write, what `rules list`, `rules test` and
// `rules check` make of it (the commands run in this process, run-in-process.ts: dozens of runs), and their exit
// codes on bad ids, values and state files (real processes).
import assert from 'node:assert/strict'
import {readFileSync, symlinkSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'
import {describe, it, type TestContext} from 'node:test'

import {ATTACK_CATALOG_ENV} from '../../src/ttp/attack-catalog.js'
import {RULES_DIR_ENV} from '../../src/ttp/rule-loader.js'
import {RULE_STATE_ENV} from '../../src/ttp/rule-state-path.js'
import {dataDirEnv} from '../helpers/decnet-cli.js'
import {runCli} from '../helpers/run-cli.js'
import {runInProcess} from '../helpers/run-in-process.js'
import {rule, rulesDir, tempDir} from '../helpers/rule-files.js'

interface Run {
  code: number
  stdout: string
  stderr: string
}

type Decnet = (args: string[]) => Promise<Run>

/**
 * A private data directory and a way to run decnet against it: in this process (`here`), or as a real process where
 * the exit code of a failure is what the test is about.
 */
function setup(t: TestContext, where: 'here' | 'process' = 'here'): {data: string; decnet: Decnet; statePath: string} {
  const data = tempDir(t)
  const env = {...dataDirEnv(data), [ATTACK_CATALOG_ENV]: '', [RULE_STATE_ENV]: '', [RULES_DIR_ENV]: ''}
  const decnet: Decnet = async (args) => {
    const run = (where === 'here' ? await runInProcess(args, {env}) : await runCli(args, {env})) as Run
    return {...run, stderr: run.stderr.replaceAll(/\s*\n ›\s+/g, ' ')}
  }

  return {data, decnet, statePath: join(data, 'rule-state.json')}
}

interface Listed {
  id: string
  state: string
  confidence: number
  confidenceCap: null | number
  enabled: boolean | null
  expires: null | string
  origin: string
}

async function listed(decnet: Decnet, id: string, extra: string[] = []): Promise<Listed> {
  const run = await decnet(['rules', 'list', '--json', ...extra])
  assert.equal(run.code, 0, run.stderr)
  return (JSON.parse(run.stdout) as Listed[]).find((candidate) => candidate.id === id && candidate.state !== 'overridden')!
}

describe('decnet rules disable|enable|cap|expire', () => {
  it('saves the state in <data dir>/rule-state.json, and rules list, test and check honour it', async (t) => {
    const {decnet, statePath} = setup(t)
    const off = await decnet(['rules', 'disable', 'discovery.system-info'])
    assert.equal(off.code, 0, off.stderr)
    assert.match(off.stdout, /^rule discovery\.system-info \(built-in\): disabled; saved in .*rule-state\.json \(a running fleet picks it up with decnet fleet reload NAME\)$/m)
    assert.deepEqual(JSON.parse(readFileSync(statePath, 'utf8')), {rules: {'discovery.system-info': {enabled: false}}, version: 1})
    assert.deepEqual((await listed(decnet, 'discovery.system-info')).state, 'disabled')
    const table = await decnet(['rules', 'list'])
    assert.match(table.stdout, /\ndiscovery\.system-info +1 +command +T1082 +disabled\* +built-in\n/)
    assert.doesNotMatch((await decnet(['rules', 'test', 'uname -a'])).stdout, /discovery\.system-info/)

    const capped = await decnet(['rules', 'cap', 'credential-access.passwd-file', '0.25', '--json'])
    assert.equal(capped.code, 0, capped.stderr)
    assert.deepEqual(JSON.parse(capped.stdout), {entry: {confidenceCap: 0.25}, id: 'credential-access.passwd-file', origin: 'built-in', path: statePath, state: 'active'})
    assert.match((await decnet(['rules', 'test', 'cat /etc/passwd'])).stdout, /confidence 0\.25\]/)
    const expiring = await decnet(['rules', 'expire', 'credential-access.passwd-file', '2999-01-31'])
    assert.equal(expiring.code, 0, expiring.stderr)
    const passwd = await listed(decnet, 'credential-access.passwd-file')
    assert.deepEqual([passwd.state, passwd.confidenceCap, passwd.expires, passwd.enabled], ['active', 0.25, '2999-02-01T00:00:00.000Z', null])
    assert.match((await decnet(['rules', 'list'])).stdout, /\ncredential-access\.passwd-file +1 +command +T1087\.001,T1003\.008 +active \(cap 0\.25, until 2999-02-01T00:00:00Z\) +built-in\n/)
    // a date already past: the rule is expired, and stops firing
    assert.equal((await decnet(['rules', 'expire', 'credential-access.passwd-file', '2020-01-01'])).code, 0)
    assert.equal((await listed(decnet, 'credential-access.passwd-file')).state, 'expired')
    assert.doesNotMatch((await decnet(['rules', 'test', 'cat /etc/passwd'])).stdout, /passwd-file/)

    // back to what the rule files say
    for (const args of [['enable', 'discovery.system-info'], ['cap', 'credential-access.passwd-file', 'none'], ['expire', 'credential-access.passwd-file', 'never']]) {
      const run = await decnet(['rules', ...args])
      assert.equal(run.code, 0, run.stderr)
    }

    assert.deepEqual(JSON.parse(readFileSync(statePath, 'utf8')), {rules: {}, version: 1})
    assert.equal((await listed(decnet, 'discovery.system-info')).state, 'active')
    assert.equal((await decnet(['rules', 'check'])).code, 0)
  })

  it("switches on an operator's rule its file disables, and names the rule's origin", async (t) => {
    const {decnet} = setup(t)
    const dir = rulesDir(t, [rule({disabled: true})])
    assert.equal((await listed(decnet, 'local.test-tool', ['--rules-dir', dir])).state, 'disabled')
    const on = await decnet(['rules', 'enable', 'local.test-tool', '--rules-dir', dir])
    assert.equal(on.code, 0, on.stderr)
    assert.match(on.stdout, /^rule local\.test-tool \(user\): active;/)
    const now = await listed(decnet, 'local.test-tool', ['--rules-dir', dir])
    assert.deepEqual([now.state, now.enabled, now.origin], ['active', true, 'user'])
    assert.match((await decnet(['rules', 'test', 'testtool -x', '--rules-dir', dir])).stdout, /^local\.test-tool /m)
  })

  it('exits 11 for an unknown rule, 2 for a bad confidence or date, and writes nothing', async (t) => {
    const {decnet, statePath} = setup(t, 'process')
    const unknown = await decnet(['rules', 'disable', 'discovery.no-such-rule'])
    assert.equal(unknown.code, 11)
    assert.match(unknown.stderr, /unknown rule "discovery\.no-such-rule": no loaded rule has this id/)
    assert.match(unknown.stderr, /decnet rules list shows the rules that load/)
    const hostile = await decnet(['rules', 'disable', 'x\u001B[2Jy'])
    assert.equal(hostile.code, 2)
    assert.match(hostile.stderr, /Expected a rule id \(such as discovery\.system-info\), got "x\\u001b\[2Jy"/)
    assert.ok(!hostile.stderr.includes('\u001B'), 'control bytes are escaped')
    for (const [args, message] of [
      [['cap', 'discovery.system-info', '1.5'], /Expected a confidence in \(0, 1\] \(such as 0\.5\), got "1\.5"/],
      [['cap', 'discovery.system-info', 'high'], /got "high"/],
      [['expire', 'discovery.system-info', '2027-02-30'], /Expected a date \(2027-01-31\) or an instant with its offset \(2027-01-31T18:00:00Z\), got "2027-02-30"/],
      [['expire', 'discovery.system-info', '2027-01-31T12:00:00'], /got "2027-01-31T12:00:00"/],
    ] as const) {
      const run = await decnet(['rules', ...args])
      assert.equal(run.code, 2, `${args.join(' ')}: ${run.stderr}`)
      assert.match(run.stderr, message)
    }

    assert.throws(() => readFileSync(statePath), /ENOENT/)
  })

  it('exits 8 on a state file it cannot use (bad JSON, a symbolic link), leaving it as it is; rules check reports it', async (t) => {
    const {data, decnet, statePath} = setup(t, 'process')
    writeFileSync(statePath, '{"version": 1, "rules": {"discovery.system-info": {"enabled": "maybe"}}}')
    const bad = await decnet(['rules', 'disable', 'discovery.owner-user'])
    assert.equal(bad.code, 8)
    assert.match(bad.stderr, /rule-state\.json \(rule "discovery\.system-info"\): "enabled" must be true or false, got "maybe"/)
    assert.equal((await decnet(['rules', 'list'])).code, 8)
    const check = await decnet(['rules', 'check', '--json'])
    assert.equal(check.code, 1)
    assert.deepEqual((JSON.parse(check.stdout) as {errors: Array<{path: string}>}).errors.map((error) => error.path), [statePath])
    assert.equal(readFileSync(statePath, 'utf8'), '{"version": 1, "rules": {"discovery.system-info": {"enabled": "maybe"}}}')

    const elsewhere = join(data, 'elsewhere.json')
    writeFileSync(elsewhere, '{"version": 1, "rules": {}}')
    const link = join(data, 'link-state')
    symlinkSync(elsewhere, link)
    const env = {...dataDirEnv(data), [ATTACK_CATALOG_ENV]: '', [RULE_STATE_ENV]: link, [RULES_DIR_ENV]: ''}
    const linked = (await runCli(['rules', 'disable', 'discovery.owner-user'], {env})) as Run
    assert.equal(linked.code, 8)
    assert.match(linked.stderr.replaceAll(/\s*\n ›\s+/g, ' '), /link-state: the rule state file is a symbolic link; refusing/)
    assert.equal(readFileSync(elsewhere, 'utf8'), '{"version": 1, "rules": {}}')
  })

  it('rules check reports a state entry naming a rule that does not load as a warning, not an error', async (t) => {
    const {decnet, statePath} = setup(t)
    writeFileSync(statePath, JSON.stringify({rules: {'local.retired-rule': {enabled: false}}, version: 1}))
    const check = await decnet(['rules', 'check'])
    assert.equal(check.code, 0, check.stderr)
    assert.match(check.stdout, /^warning: .*rule-state\.json \(rule local\.retired-rule\): the rule state names a rule that is not loaded/m)
    assert.match(check.stdout, /0 refused, 1 warnings$/m)
  })

  it('every state command has --help with examples', async (t) => {
    const {decnet} = setup(t)
    for (const command of ['disable', 'enable', 'cap', 'expire']) {
      const help = await decnet(['rules', command, '--help'])
      assert.equal(help.code, 0)
      assert.match(help.stdout, /EXAMPLES\n {2}\$ decnet rules /, command)
      assert.match(help.stdout, /rule-state\.json/, command)
    }
  })
})
