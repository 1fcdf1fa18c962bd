// `decnet fleet unit NAME` gives the service a runtime directory for its control socket, and root's
// `decnet fleet status/stop NAME` reach the fleet there. The unit's settings are run as far as the
// machine allows: `systemd-analyze verify`; then its ExecStart with its Environment=, as a user that
// is not root (the dynamic user's stand-in, nobody), with its RuntimeDirectory= made the way systemd
// makes it, no_new_privs and an empty bounding set (setpriv), on a file system it cannot write
// (ProtectSystem=strict: here, the data directory belongs to root); and with `systemd-run`, when a
// systemd manager runs the machine.
import assert from 'node:assert/strict'
import {spawn, spawnSync} from 'node:child_process'
import {chmodSync, chownSync, existsSync, mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'
import {test} from 'node:test'

import {findSetpriv} from '../../dist/prefork/find-setpriv.js'
import {pollUntil} from '../helpers/daemon.js'
import {FIXTURE_PLUGINS, linkedDataDir, RUN, runDecnet} from '../helpers/decnet-cli.js'
import {parseUnit, verifyUnit} from '../helpers/systemd-unit.js'

const NOBODY = 65534
const FLEET = 'unit-probe'
const PLUGIN = 'decnet-plugin-unit-probe'
const isRoot = process.getuid() === 0
const setpriv = findSetpriv()
/** A PostgreSQL URL nobody listens on: the fixture's worker idles and never connects. */
const DB = 'postgres://decnet@127.0.0.1:9/decnet'
/** What systemd gives every service, before its Environment= lines. */
const SERVICE_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin'

/** Why uid nobody cannot run decnet from this checkout (e.g. a clone under /root), or null. */
function nobodyCannotRead() {
  const check = spawnSync(process.execPath, ['-e', `require('fs').accessSync(${JSON.stringify(RUN)}, require('fs').constants.R_OK)`], {gid: NOBODY, uid: NOBODY})
  return check.status === 0 ? null : `uid ${NOBODY} cannot read this checkout`
}

/** The `[Service]` Environment= lines as an object (values are plain words in these units). */
function unitEnvironment(parsed) {
  return Object.fromEntries(parsed.values('Service', 'Environment').map((line) => [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1)]))
}

/** Generates the unit of the fixture fleet and checks it with systemd-analyze verify. */
async function generateUnit(t, env) {
  const generated = await runDecnet(t, ['fleet', 'unit', FLEET, '--db', DB], {env})
  assert.equal(generated.code, 0, generated.stderr)
  const verdict = verifyUnit(t, generated.stdout, `decnet-${FLEET}.service`)
  if (verdict.skip) t.diagnostic(`systemd-analyze verify skipped: ${verdict.skip}`)
  else assert.deepEqual(verdict.problems, [], verdict.output)
  return parseUnit(generated.stdout)
}

/** Root's view, from a shell with no DECNET_RUNTIME_DIR: status of the fleet, and of every fleet. */
async function assertRootReachesIt(t, env, masterPid) {
  const clientEnv = {...env, DECNET_RUNTIME_DIR: ''}
  const one = await runDecnet(t, ['fleet', 'status', FLEET, '--json'], {env: clientEnv})
  assert.equal(one.code, 0, one.stderr)
  const status = JSON.parse(one.stdout)
  assert.equal(status.fleet, FLEET)
  assert.equal(status.master.pid, masterPid)
  assert.deepEqual(status.workers.map((w) => [w.name, w.state]), [['idler', 'ready']])
  const all = await runDecnet(t, ['fleet', 'status', '--json'], {env: clientEnv})
  assert.equal(all.code, 0, all.stderr)
  assert.ok(JSON.parse(all.stdout).some((fleet) => fleet.fleet === FLEET), all.stdout)
}

test("the unit's settings, run here: decnet creates its control socket in the unit's runtime directory, and root's decnet fleet status and stop reach it", {skip: (!isRoot && 'needs root (the service runs as another user)') || (!setpriv && 'util-linux setpriv is not installed')}, async (t) => {
  const unreadable = nobodyCannotRead()
  if (unreadable) return t.skip(unreadable)
  const data = linkedDataDir(t, [PLUGIN])
  // ProtectSystem=strict: nothing outside the service's own directories is writable to it.
  chownSync(data.dir, 0, 0)
  chmodSync(data.dir, 0o755)
  const parsed = await generateUnit(t, data.env)

  const name = parsed.value('Service', 'RuntimeDirectory')
  assert.equal(name, `decnet-${FLEET}`, 'the unit has a runtime directory of its own')
  const env = unitEnvironment(parsed)
  assert.equal(env.DECNET_RUNTIME_DIR, `/run/${name}`, 'and tells decnet to use it')
  // What systemd does at start: create /run/NAME, owned by the service's user, with RuntimeDirectoryMode=.
  const runtimeDir = `/run/${name}`
  assert.ok(!existsSync(runtimeDir), `${runtimeDir} is left over from an earlier run: remove it`)
  mkdirSync(runtimeDir, {mode: Number.parseInt(parsed.value('Service', 'RuntimeDirectoryMode'), 8)})
  t.after(() => rmSync(runtimeDir, {force: true, recursive: true}))
  chownSync(runtimeDir, NOBODY, NOBODY)

  const exec = parsed.value('Service', 'ExecStart').split(' ')
  const asService = ['--reuid', String(NOBODY), '--regid', String(NOBODY), '--clear-groups', '--no-new-privs', '--inh-caps=-all', '--bounding-set=-all', '--']
  const master = spawn(setpriv, [...asService, ...exec], {env: {LANG: 'C.UTF-8', PATH: SERVICE_PATH, RUNTIME_DIRECTORY: runtimeDir, ...env}, stdio: ['ignore', 'pipe', 'pipe']})
  t.after(() => master.exitCode === null && master.kill('SIGKILL'))
  let output = ''
  const ready = new Promise((resolve, reject) => {
    for (const stream of [master.stdout, master.stderr]) {
      stream.setEncoding('utf8').on('data', (chunk) => {
        output += chunk
        if (/fleet unit-probe ready/.test(output)) resolve()
      })
    }

    master.once('exit', (code) => reject(new Error(`the service's master exited (${code}) before its fleet was ready:\n${output}`)))
  })
  const exited = new Promise((resolve) => master.once('exit', (code, signal) => resolve({code, signal})))
  await ready
  assert.doesNotMatch(output, /running without a control socket/)
  const socket = join(runtimeDir, `${FLEET}.sock`)
  assert.equal(statSync(socket).uid, NOBODY, "the socket is the service's")

  await assertRootReachesIt(t, data.env, master.pid)
  const stop = await runDecnet(t, ['fleet', 'stop', FLEET], {env: {...data.env, DECNET_RUNTIME_DIR: ''}})
  assert.equal(stop.code, 0, stop.stderr)
  assert.deepEqual(await exited, {code: 0, signal: null}, output)
})

/** Why systemd-run cannot start a transient service here, or null. */
function systemdRunUnavailable() {
  if (!isRoot) return 'needs root (systemd-run of a system service)'
  if (!existsSync('/run/systemd/system')) return 'no systemd manager runs this machine (no /run/systemd/system): only systemd-analyze verify and the emulation above apply'
  return spawnSync('systemd-run', ['--version']).status === 0 ? null : 'systemd-run is not installed'
}

test('under systemd itself (systemd-run with every [Service] setting of the unit): root reaches the fleet over its socket', {skip: systemdRunUnavailable() ?? undefined}, async (t) => {
  // The service cannot see /tmp (PrivateTmp=yes), so the plugin link lives elsewhere.
  const dir = mkdtempSync('/var/lib/decnet-unit-probe-test-')
  t.after(() => rmSync(dir, {force: true, recursive: true}))
  chmodSync(dir, 0o755)
  const plugins = [{name: PLUGIN, root: join(FIXTURE_PLUGINS, PLUGIN), type: 'link'}]
  writeFileSync(join(dir, 'package.json'), JSON.stringify({dependencies: {}, name: 'decnet', oclif: {plugins, schema: 1}, private: true}), {mode: 0o644})
  const env = {DECNET_CACHE_DIR: join(dir, 'cache'), DECNET_CONFIG_DIR: join(dir, 'config'), DECNET_DATA_DIR: dir}
  const parsed = await generateUnit(t, env)
  const unitName = `decnet-${FLEET}-test`
  const properties = parsed.directives('Service').filter(([key]) => key !== 'ExecStart' && key !== 'Type').flatMap(([key, value]) => ['-p', `${key}=${value}`])
  const started = spawnSync('systemd-run', ['--unit', unitName, '--service-type=exec', ...properties, '--', ...parsed.value('Service', 'ExecStart').split(' ')], {encoding: 'utf8'})
  assert.equal(started.status, 0, started.stderr)
  t.after(() => spawnSync('systemctl', ['stop', unitName]))
  // No event tells another service's readiness: ask its socket until it answers.
  await pollUntil(async () => (await runDecnet(t, ['fleet', 'status', FLEET, '--json'], {env: {...env, DECNET_RUNTIME_DIR: ''}})).code === 0, {what: `${unitName} to answer`})
  const pid = Number(spawnSync('systemctl', ['show', '-p', 'MainPID', '--value', unitName], {encoding: 'utf8'}).stdout.trim())
  await assertRootReachesIt(t, env, pid)
})
