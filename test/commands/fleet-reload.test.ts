// `decnet fleet reload NAME` and SIGHUP to the master, against a real `decnet fleet heavy`: the ttp worker
// reloads its rules and the operator's rule state without restarting, and refuses a rule set with an error.
import assert from 'node:assert/strict'
import {chmodSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'
import {describe, it, type TestContext} from 'node:test'

import {openDatabase} from '../../src/db/open.js'
import {RULES_DIR_ENV} from '../../src/ttp/rule-loader.js'
import {linkedDataDir, runDecnet, startDecnet, unwrap, type DecnetRun} from '../helpers/decnet-cli.js'
import {rule, rulesDir} from '../helpers/rule-files.js'

const drop = process.getuid?.() === 0 ? ['--user', 'nobody'] : []

/** A DECNET command line from 203.0.113.7 at second `n` (so every line is new). */
function commandLine(n: number, command: string): string {
  const at = new Date(Date.UTC(2026, 11, 1, 12, 0, n)).toISOString()
  return `<134>1 ${at} decky-01 ssh - command [relay@55555 src_ip="203.0.113.7" command="${command}"]\n`
}

/** Five failed logins as root from `ip` (each with another secret), from second `n` on: a brute force at the fifth. */
function guessing(ip: string, n: number): string {
  const line = (k: number) =>
    `<38>1 ${new Date(Date.UTC(2026, 11, 1, 12, 0, n + k)).toISOString()} decky-01 ssh - auth_attempt [relay@55555 src_ip="${ip}" principal="root" username="root" secret_b64="${Buffer.from(`guess-${n}-${k}`).toString('base64')}"] -\n`
  return [0, 1, 2, 3, 4].map((k) => line(k)).join('')
}

interface Fleet {
  readonly run: DecnetRun
  readonly env: Record<string, string>
  readonly dir: string
  readonly rules: string
  /** Ingests `text` (one line or several) with `decnet ingest` and waits until the ttp worker has tagged it; returns the rule ids of its tags. */
  tagsOf(text: string): Promise<string[]>
  decnet(args: string[]): Promise<{code: null | number; stdout: string; stderr: string}>
}

async function startFleet(t: TestContext): Promise<Fleet> {
  const {dir, env: dataEnv} = linkedDataDir(t)
  // the operator's rule, switched off in the rule state before the fleet starts
  const rules = rulesDir(t, [rule()])
  chmodSync(rules, 0o755) // the workers may run as nobody
  const env = {...dataEnv, [RULES_DIR_ENV]: rules}
  const decnet = (args: string[]) => runDecnet(t, args, {env})
  const off = await decnet(['rules', 'disable', 'local.test-tool'])
  assert.equal(off.code, 0, off.stderr)

  const run = startDecnet(t, ['fleet', 'heavy', '--interval', '0.2', ...drop], {env})
  await run.waitFor(/fleet heavy ready/)
  let lines = 0
  const tagsOf = async (text: string): Promise<string[]> => {
    const first = lines + 1
    lines += text.split('\n').filter((line) => line !== '').length
    const file = join(dir, `in-${lines}.log`)
    writeFileSync(file, text)
    const ingest = await decnet(['ingest', file])
    assert.equal(ingest.code, 0, ingest.stderr)
    // the worker says so once it has tagged through the new lines (ids follow the lines ingested)
    await run.waitFor(new RegExp(`ttp \\| tagged \\d+ lines: \\d+ ATT&CK tags \\(cursor ${lines}\\)`))
    const db = await openDatabase(join(dir, 'db', 'decnet.sqlite'))
    try {
      const tags = await db.selectFrom('ttp_tags').select('rule_id').where('log_id', '>=', first).where('log_id', '<=', lines).execute()
      return [...new Set(tags.map((tag) => tag.rule_id))].sort()
    } finally {
      await db.destroy()
    }
  }

  return {decnet, dir, env, rules, run, tagsOf}
}

describe('decnet fleet reload', {timeout: 120_000}, () => {
  it('makes the running ttp worker take up a rule switched on, then refuses a broken rule file and keeps tagging', async (t) => {
    const fleet = await startFleet(t)
    // switched off: the shipped rule tags the line, the operator's does not
    assert.deepEqual(await fleet.tagsOf(commandLine(1, 'uname -a; testtool -x')), ['discovery.system-info'])

    const on = await fleet.decnet(['rules', 'enable', 'local.test-tool'])
    assert.equal(on.code, 0, on.stderr)
    const reload = await fleet.decnet(['fleet', 'reload', 'heavy', '--json'])
    assert.equal(reload.code, 0, reload.stderr)
    assert.deepEqual((JSON.parse(reload.stdout) as {via: string; workers: string[]}).workers.sort(), ['profiler', 'ttp'])
    const reloaded = await fleet.run.waitFor(/ttp \| rules (?:reloaded|reload refused): .*/)
    assert.match(reloaded[0], /rules reloaded: \d+ rules active \(was \d+;/)
    assert.deepEqual(await fleet.tagsOf(commandLine(2, 'uname -a; testtool -y')), ['discovery.system-info', 'local.test-tool'])

    // a broken file in the operator's directory: a real SIGHUP to the master; the worker refuses the new set
    writeFileSync(join(fleet.rules, 'broken.json'), '[')
    const off = await fleet.decnet(['rules', 'disable', 'local.test-tool'])
    assert.equal(off.code, 0, off.stderr)
    process.kill(fleet.run.child.pid!, 'SIGHUP')
    await fleet.run.waitFor(/\[decnet\] reload \(SIGHUP\): asking profiler, ttp/)
    const refused = await fleet.run.waitFor(/ttp \| rules reload refused: (.*broken\.json.*)\n/)
    assert.match(refused[1], /cannot be read as JSON/)
    await fleet.run.waitFor(/ttp \| rules reload refused: 1 error .*; the \d+ rules active before keep running/)
    // the old rules (the operator's rule on) still tag, though the state now says off: nothing of the refused set was taken
    assert.deepEqual(await fleet.tagsOf(commandLine(3, 'uname -a; testtool -z')), ['discovery.system-info', 'local.test-tool'])
    assert.doesNotMatch(fleet.run.output(), /worker ttp .*exited|restarting/, 'no worker restarted')
  })

  it('makes the running ttp worker take up a counting rule switched off: it tags nothing new, its tags stay', async (t) => {
    const fleet = await startFleet(t)
    assert.deepEqual(await fleet.tagsOf(guessing('203.0.113.31', 10)), ['credential-access.brute-force'])

    const off = await fleet.decnet(['rules', 'disable', 'credential-access.brute-force'])
    assert.equal(off.code, 0, off.stderr)
    const reload = await fleet.decnet(['fleet', 'reload', 'heavy'])
    assert.equal(reload.code, 0, reload.stderr)
    const reloaded = await fleet.run.waitFor(/ttp \| rules (?:reloaded|reload refused): .*/)
    const counts = /rules reloaded: (\d+) rules active \(was (\d+);/.exec(reloaded[0])
    assert.ok(counts, reloaded[0])
    const [, now, was] = counts
    assert.equal(Number(now), Number(was) - 1, 'one rule fewer: the counting rule')
    assert.deepEqual(await fleet.tagsOf(guessing('203.0.113.32', 20)), [], 'no brute force once switched off')

    const db = await openDatabase(join(fleet.dir, 'db', 'decnet.sqlite'))
    try {
      const kept = await db.selectFrom('ttp_tags').select('attacker_ip').where('rule_id', '=', 'credential-access.brute-force').execute()
      assert.deepEqual(kept.map((tag) => tag.attacker_ip), ['203.0.113.31'], 'the tag made before stays')
    } finally {
      await db.destroy()
    }

    assert.doesNotMatch(fleet.run.output(), /worker ttp .*exited|restarting/, 'no worker restarted')
  })

  it('a fleet that is not running exits 11', async (t) => {
    const {env} = linkedDataDir(t)
    const run = await runDecnet(t, ['fleet', 'reload', 'heavy'], {env})
    assert.equal(run.code, 11)
    assert.match(unwrap(run.stderr), /fleet 'heavy' is not running/)
  })
})
