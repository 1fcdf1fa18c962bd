// `decnet fleet unit NAME` gives the service a runtime directory for its control socket, and root's
// `decnet fleet status/stop NAME` reach the fleet there. The unit's settings are run as far as the
// machine allows: `systemd-analyze verify`; then its ExecStart with its Environment=, as a user that
// is not root (the dynamic user's stand-in, nobody), with its RuntimeDirectory= made the way systemd
// makes it, no_new_privs and an empty bounding set (setpriv), on a file system it cannot write
// (ProtectSystem=strict: here, the data directory belongs to root); and with `systemd-run`, when a
// systemd manager runs the machine.
import assert from 'node:assert/strict'
import {spawn, spawnSync, type ChildProcess} from 'node:child_process'
import {chmodSync, chownSync, existsSync, mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'
import {test, type TestContext} from 'node:test'

import {findSetpriv} from '../../src/prefork/find-setpriv.js'
import {pollUntil} from '../helpers/daemon.js'
import {FIXTURE_PLUGINS, linkedDataDir, RUN, runDecnet} from '../helpers/decnet-cli.js'
import {defined} from '../helpers/defined.js'
import {statusFields} from '../helpers/pty.js'
import {UNIT_UNREACHABLE, parseUnit, verifyUnit, type ParsedUnit} from '../helpers/systemd-unit.js'

const NOBODY = 65534
const FLEET = 'unit-probe'
const PLUGIN = 'decnet-plugin-unit-probe'
const isRoot = process.getuid?.() === 0
const setpriv = findSetpriv()
/** A PostgreSQL URL nobody listens on: the fixture's worker idles and never connects. */
const DB = 'postgres://decnet@127.0.0.1:9/decnet'
/** What systemd gives every service, before its Environment= lines. */
const SERVICE_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin'

/** Why uid nobody cannot run decnet from this checkout (e.g. a clone under /root), or null. */
function nobodyCannotRead(): string | null {
  const check = spawnSync(process.execPath, ['-e', `require('fs').accessSync(${JSON.stringify(RUN)}, require('fs').constants.R_OK)`], {gid: NOBODY, uid: NOBODY})
  return check.status === 0 ? null : `uid ${NOBODY} cannot read this checkout`
}

/** The `[Service]` Environment= lines as an object (values are plain words in these units). */
function unitEnvironment(parsed: ParsedUnit): Record<string, string> {
  return Object.fromEntries(parsed.values('Service', 'Environment').map((line) => [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1)]))
}

/** Generates the unit of `fleet` and checks it with systemd-analyze verify. */
async function generateUnit(t: TestContext, fleet: string, env: NodeJS.ProcessEnv): Promise<ParsedUnit> {
  const generated = await runDecnet(t, ['fleet', 'unit', fleet, '--db', DB], {env})
  assert.equal(generated.code, 0, generated.stderr)
  const verdict = verifyUnit(t, generated.stdout, `decnet-${fleet}.service`)
  if (verdict.skip) t.diagnostic(`systemd-analyze verify skipped: ${verdict.skip}`)
  else assert.deepEqual(verdict.problems, [], verdict.output)
  return parseUnit(generated.stdout)
}

/** Root's view, from a shell with no DECNET_RUNTIME_DIR: status of the fleet, and of every fleet. */
async function assertRootReachesIt(t: TestContext, env: NodeJS.ProcessEnv, masterPid: number): Promise<void> {
  const clientEnv = {...env, DECNET_RUNTIME_DIR: ''}
  const one = await runDecnet(t, ['fleet', 'status', FLEET, '--json'], {env: clientEnv})
  assert.equal(one.code, 0, one.stderr)
  const status = JSON.parse(one.stdout)
  assert.equal(status.fleet, FLEET)
  assert.equal(status.master.pid, masterPid)
  assert.deepEqual(status.workers.map((w: {name: string; state: string}) => [w.name, w.state]), [['idler', 'ready']])
  const all = await runDecnet(t, ['fleet', 'status', '--json'], {env: clientEnv})
  assert.equal(all.code, 0, all.stderr)
  assert.ok(JSON.parse(all.stdout).some((fleet: {fleet: string}) => fleet.fleet === FLEET), all.stdout)
}

/** `CAP_NET_RAW CAP_X` (a unit's capability list) as setpriv's `-all,+net_raw,+x`. */
function setprivCaps(list: string): string {
  return ['-all', ...list.split(/\s+/).filter(Boolean).map((cap) => `+${cap.replace(/^CAP_/, '').toLowerCase()}`)].join(',')
}

/**
 * Runs fleet `fleet`'s unit here, as far as this machine allows (see the top of this file), and
 * resolves once its fleet is ready: {master, output(), exited, runtimeDir, env}.
 */
interface UnitRun {
  env: NodeJS.ProcessEnv
  exited: Promise<{code: number | null; signal: NodeJS.Signals | null}>
  master: ChildProcess
  output(): string
  runtimeDir: string
}

async function runUnitHere(t: TestContext, fleet: string, plugins: string[]): Promise<UnitRun> {
  const data = linkedDataDir(t, plugins)
  // ProtectSystem=strict: nothing outside the service's own directories is writable to it.
  chownSync(data.dir, 0, 0)
  chmodSync(data.dir, 0o755)
  const parsed = await generateUnit(t, fleet, data.env)

  const name = parsed.value('Service', 'RuntimeDirectory')
  assert.equal(name, `decnet-${fleet}`, 'the unit has a runtime directory of its own')
  const env = unitEnvironment(parsed)
  assert.equal(env.DECNET_RUNTIME_DIR, `/run/${name}`, 'and tells decnet to use it')
  // What systemd does at start: create /run/NAME, owned by the service's user, with RuntimeDirectoryMode=.
  const runtimeDir = `/run/${name}`
  assert.ok(!existsSync(runtimeDir), `${runtimeDir} is left over from an earlier run: remove it`)
  mkdirSync(runtimeDir, {mode: Number.parseInt(defined(parsed.value('Service', 'RuntimeDirectoryMode'), 'RuntimeDirectoryMode='), 8)})
  t.after(() => rmSync(runtimeDir, {force: true, recursive: true}))
  chownSync(runtimeDir, NOBODY, NOBODY)

  // User= (nobody for the dynamic user), NoNewPrivileges=, CapabilityBoundingSet=, AmbientCapabilities=.
  assert.equal(parsed.value('Service', 'NoNewPrivileges'), 'yes')
  const bounding = setprivCaps(defined(parsed.value('Service', 'CapabilityBoundingSet'), 'CapabilityBoundingSet='))
  const ambient = setprivCaps(defined(parsed.value('Service', 'AmbientCapabilities'), 'AmbientCapabilities='))
  const asService = ['--reuid', String(NOBODY), '--regid', String(NOBODY), '--clear-groups', '--no-new-privs', `--inh-caps=${ambient}`, `--bounding-set=${bounding}`]
  if (ambient !== '-all') asService.push(`--ambient-caps=${ambient}`)
  const exec = defined(parsed.value('Service', 'ExecStart'), 'ExecStart=').split(' ')
  const master = spawn(defined(setpriv, 'setpriv'), [...asService, '--', ...exec], {env: {LANG: 'C.UTF-8', PATH: SERVICE_PATH, RUNTIME_DIRECTORY: runtimeDir, ...env}, stdio: ['ignore', 'pipe', 'pipe']})
  t.after(() => master.exitCode === null && master.kill('SIGKILL'))
  let output = ''
  const ready = new Promise<void>((resolve, reject) => {
    for (const stream of [master.stdout, master.stderr]) {
      stream.setEncoding('utf8').on('data', (chunk: string) => {
        output += chunk
        if (new RegExp(`fleet ${fleet} ready`).test(output)) resolve()
      })
    }

    master.once('exit', (code: number | null) => reject(new Error(`the service's master exited (${String(code)}) before its fleet was ready:\n${output}`)))
  })
  const exited = new Promise<{code: number | null; signal: NodeJS.Signals | null}>((resolve) => master.once('exit', (code, signal) => resolve({code, signal})))
  await ready
  assert.doesNotMatch(output, /running without a control socket/)
  return {env: data.env, exited, master, output: () => output, runtimeDir}
}

const unreachable = UNIT_UNREACHABLE && `decnet or node lives under a temporary directory (${UNIT_UNREACHABLE}), which a unit cannot reach`
const runsUnits = (!isRoot && 'needs root (the service runs as another user)') || (!setpriv && 'util-linux setpriv is not installed') || unreachable || undefined

test("the unit's settings, run here: decnet creates its control socket in the unit's runtime directory, and root's decnet fleet status and stop reach it", {skip: runsUnits}, async (t) => {
  const unreadable = nobodyCannotRead()
  if (unreadable) return t.skip(unreadable)
  const run = await runUnitHere(t, FLEET, [PLUGIN])
  const socket = join(run.runtimeDir, `${FLEET}.sock`)
  assert.equal(statSync(socket).uid, NOBODY, "the socket is the service's")
  await assertRootReachesIt(t, run.env, defined(run.master.pid, 'the master pid'))
  const stop = await runDecnet(t, ['fleet', 'stop', FLEET], {env: {...run.env, DECNET_RUNTIME_DIR: ''}})
  assert.equal(stop.code, 0, stop.stderr)
  assert.deepEqual(await run.exited, {code: 0, signal: null}, run.output())
})

test("a 'net-raw' unit's settings, run here: its workers hold CAP_NET_RAW (from AmbientCapabilities=, through setpriv and node) and nothing else, with no_new_privs", {skip: runsUnits}, async (t) => {
  const unreadable = nobodyCannotRead()
  if (unreadable) return t.skip(unreadable)
  const run = await runUnitHere(t, 'sniffer', ['decnet-plugin-profiles'])
  const pid = Number(defined(/worker sniff ready \(pid (\d+)\)/.exec(run.output()), 'the sniff worker ready line')[1])
  const status = statusFields(pid)
  assert.equal(status.get('Uid')?.split('\t')[0], String(NOBODY))
  assert.equal(status.get('NoNewPrivs'), '1')
  for (const set of ['CapPrm', 'CapEff', 'CapBnd', 'CapAmb']) assert.equal(status.get(set), (1n << 13n).toString(16).padStart(16, '0'), set)
  run.master.kill('SIGTERM') // what systemctl stop sends (KillMode=mixed: the master only)
  assert.deepEqual(await run.exited, {code: 0, signal: null}, run.output())
})

/** Why systemd-run cannot start a transient service here, or null. */
function systemdRunUnavailable() {
  if (!isRoot) return 'needs root (systemd-run of a system service)'
  if (!existsSync('/run/systemd/system')) return 'no systemd manager runs this machine (no /run/systemd/system): only systemd-analyze verify and the emulation above apply'
  return spawnSync('systemd-run', ['--version']).status === 0 ? null : 'systemd-run is not installed'
}

test('under systemd itself (systemd-run with every [Service] setting of the unit): root reaches the fleet over its socket', {skip: unreachable || (systemdRunUnavailable() ?? undefined)}, async (t) => {
  // The service cannot see /tmp (PrivateTmp=yes), so the plugin link lives elsewhere.
  const dir = mkdtempSync('/var/lib/decnet-unit-probe-test-')
  t.after(() => rmSync(dir, {force: true, recursive: true}))
  chmodSync(dir, 0o755)
  const plugins = [{name: PLUGIN, root: join(FIXTURE_PLUGINS, PLUGIN), type: 'link'}]
  writeFileSync(join(dir, 'package.json'), JSON.stringify({dependencies: {}, name: 'decnet', oclif: {plugins, schema: 1}, private: true}), {mode: 0o644})
  const env = {DECNET_CACHE_DIR: join(dir, 'cache'), DECNET_CONFIG_DIR: join(dir, 'config'), DECNET_DATA_DIR: dir}
  const parsed = await generateUnit(t, FLEET, env)
  const unitName = `decnet-${FLEET}-test`
  const properties = parsed.directives('Service').filter(([key]) => key !== 'ExecStart' && key !== 'Type').flatMap(([key, value]) => ['-p', `${key}=${value}`])
  const started = spawnSync('systemd-run', ['--unit', unitName, '--service-type=exec', ...properties, '--', ...defined(parsed.value('Service', 'ExecStart'), 'ExecStart=').split(' ')], {encoding: 'utf8'})
  assert.equal(started.status, 0, started.stderr)
  t.after(() => spawnSync('systemctl', ['stop', unitName]))
  // No event tells another service's readiness: ask its socket until it answers.
  await pollUntil(async () => (await runDecnet(t, ['fleet', 'status', FLEET, '--json'], {env: {...env, DECNET_RUNTIME_DIR: ''}})).code === 0, {what: `${unitName} to answer`})
  const pid = Number(spawnSync('systemctl', ['show', '-p', 'MainPID', '--value', unitName], {encoding: 'utf8'}).stdout.trim())
  await assertRootReachesIt(t, env, pid)
})
