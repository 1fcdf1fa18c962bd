// `decnet fleet NAME` through the real CLI: fixture plugins, real processes, real signals, /proc.
// These tests run as root (as CI does); the non-root cases spawn decnet as `nobody`.
import assert from 'node:assert/strict'
import {describe, it} from 'node:test'

import {EXIT, isAlive, linkedDataDir, processIds, runDecnet, startDecnet, unwrap} from '../helpers/decnet-cli.js'

const NOBODY = 65534
const asNobody = {gid: NOBODY, uid: NOBODY}

/** The JSON a probe worker printed. */
function probeReport(stdout) {
  const line = stdout.split('\n').find((l) => l.startsWith('probe | probe '))
  assert.ok(line, `no probe report in:\n${stdout}`)
  return JSON.parse(line.slice('probe | probe '.length))
}

describe('decnet fleet without NAME', () => {
  it('exits 2 saying a name is needed, listing every known fleet (plugins too) with profile, plugin and description', async (t) => {
    const {env} = linkedDataDir(t, ['decnet-plugin-sample', 'decnet-plugin-rootly', 'decnet-plugin-throws'])
    const list = await runDecnet(t, ['fleet', 'list', '--json'], {env})
    assert.equal(list.code, EXIT.OK, list.stderr)
    const known = JSON.parse(list.stdout).fleets
    for (const argv of [['fleet'], ['fleet', '--once', '--grace', '5'], ['fleet', '--daemon']]) {
      const {code, stderr, stdout} = await runDecnet(t, argv, {env})
      assert.equal(code, EXIT.USAGE, `${argv.join(' ')}: ${stderr}`)
      assert.equal(stdout, '')
      assert.doesNotMatch(stderr, /Missing 1 required arg/)
      const lines = stderr.split('\n')
      const at = lines.indexOf('a fleet name is needed: decnet fleet NAME')
      assert.ok(at >= 0, stderr)
      assert.equal(lines[at + 1], 'known fleets (name, profile, plugin, description):')
      // One line per fleet of the registry `fleet list` uses, in its order, unwrapped.
      const listed = lines.slice(at + 2, at + 2 + known.length)
      assert.deepEqual(listed.map((line) => line.trim().split(/\s+/)[0]), known.map((f) => f.name), stderr)
      assert.ok(listed.some((line) => /^ {2}sample +database +decnet-plugin-sample +Two idle workers from the sample plugin$/.test(line)), stderr)
      assert.ok(listed.some((line) => /^ {2}rootly +root +decnet-plugin-rootly +A fleet that needs root$/.test(line)), stderr)
      assert.ok(listed.some((line) => /^ {2}heavy +database +decnet +\S/.test(line)), stderr)
      assert.equal(lines[at + 2 + known.length], '(decnet fleet list shows their workers, decnet fleet --help the flags)')
      assert.match(unwrap(stderr), /plugin decnet-plugin-throws: hook failed: the fleet catalogue is on fire/, 'a broken plugin is still named')
    }
  })
})

describe('decnet fleet NAME: refusals', {skip: process.getuid() === 0 ? undefined : 'these tests run as root'}, () => {
  it("exits 2 on an unknown fleet with `unknown fleet 'NAME'; known fleets: ...`", async (t) => {
    const {env} = linkedDataDir(t, ['decnet-plugin-sample', 'decnet-plugin-rootly'])
    const {code, stderr} = await runDecnet(t, ['fleet', 'nope'], {env})
    assert.equal(code, EXIT.USAGE)
    const known = unwrap(stderr).match(/unknown fleet 'nope'; known fleets: ([a-z0-9, -]+)/)
    assert.ok(known, stderr)
    const names = known[1].split(', ')
    assert.deepEqual(names, [...names].sort())
    assert.ok(names.includes('sample') && names.includes('rootly'), known[1])
  })

  it('exits 2 on bad numbers, with "Expected `--flag` to be ..."', async (t) => {
    const {env} = linkedDataDir(t, ['decnet-plugin-sample'])
    const cases = [
      [['--grace=-1'], 'Expected `--grace` to be a positive number of seconds, got `-1`'],
      [['--max-backoff', '0'], 'Expected `--max-backoff` to be a positive number of seconds, got `0`'],
      [['--watchdog', 'soon'], 'Expected `--watchdog` to be a non-negative number of seconds (0 disables), got `soon`'],
      [['--interval', '1e3'], 'Expected `--interval` to be a positive number of seconds, got `1e3`'],
    ]
    for (const [flags, message] of cases) {
      const {code, stderr} = await runDecnet(t, ['fleet', 'sample', '--user', 'nobody', ...flags], {env})
      assert.equal(code, EXIT.USAGE, flags.join(' '))
      assert.ok(unwrap(stderr).includes(message), `${flags.join(' ')}:\n${stderr}`)
    }
  })

  it('refuses to run a database fleet as root, with its own exit code, before spawning anything', async (t) => {
    const {env} = linkedDataDir(t, ['decnet-plugin-sample'])
    const {code, stderr, stdout} = await runDecnet(t, ['fleet', 'sample'], {env})
    assert.equal(code, EXIT.PRIVILEGE_REFUSED)
    assert.match(unwrap(stderr), /refusing to run fleet 'sample' as root: its profile is 'database'.*--user NAME.*--allow-root/s)
    assert.doesNotMatch(stdout + stderr, /ready \(pid/)
  })

  it('refuses an unknown --user, and --user for a root fleet', async (t) => {
    const {env} = linkedDataDir(t, ['decnet-plugin-sample', 'decnet-plugin-rootly'])
    const unknown = await runDecnet(t, ['fleet', 'sample', '--user', 'no-such-user-decnet'], {env})
    assert.equal(unknown.code, EXIT.USAGE)
    assert.match(unwrap(unknown.stderr), /--user: unknown user 'no-such-user-decnet'/)
    const rootly = await runDecnet(t, ['fleet', 'rootly', '--user', 'nobody'], {env})
    assert.equal(rootly.code, EXIT.USAGE)
    assert.match(unwrap(rootly.stderr), /fleet 'rootly' needs root: --user would take it away/)
  })

  it('refuses --user when not root (decnet run as nobody)', async (t) => {
    const {env} = linkedDataDir(t, ['decnet-plugin-sample'], {owner: 'nobody'})
    const {code, stderr} = await runDecnet(t, ['fleet', 'sample', '--user', 'nobody'], {env, ...asNobody})
    assert.equal(code, EXIT.USAGE, stderr)
    assert.match(unwrap(stderr), /--user needs root \(only root can switch users\), but decnet runs as uid 65534/)
  })

  it('refuses a fleet two plugins define, naming both; the rest of those plugins still runs', async (t) => {
    const {env} = linkedDataDir(t, ['decnet-plugin-sample', 'decnet-plugin-duplicate'])
    const dup = await runDecnet(t, ['fleet', 'sample', '--user', 'nobody'], {env})
    assert.equal(dup.code, EXIT.USAGE)
    assert.match(unwrap(dup.stderr), /fleet 'sample' is unusable: defined by plugins decnet-plugin-duplicate and decnet-plugin-sample/)
    const other = await runDecnet(t, ['fleet', 'dup-other', '--once', '--user', 'nobody'], {env})
    assert.equal(other.code, EXIT.OK, other.stderr)
    assert.match(other.stdout, /^solo \| idle worker solo of fleet dup-other is up/m)
  })

  it('refuses a mixed-privilege fleet, explaining that a fleet is one privilege group', async (t) => {
    const {env} = linkedDataDir(t, ['decnet-plugin-mixed'])
    const {code, stderr} = await runDecnet(t, ['fleet', 'mixed', '--user', 'nobody'], {env})
    assert.equal(code, EXIT.USAGE)
    assert.match(unwrap(stderr), /fleet 'mixed' is unusable: plugin decnet-plugin-mixed: fleet mixes privilege profiles \(reader needs database, sniffer needs net-raw\): every child inherits the union of the master's privileges, so a fleet is one privilege group/)
  })
})

describe('decnet fleet NAME: running', {skip: process.getuid() === 0 ? undefined : 'these tests run as root'}, () => {
  it('runs a plugin fleet as --user nobody: children are uid/gid 65534; SIGTERM stops it, exit 0, nothing left', async (t) => {
    const {env} = linkedDataDir(t, ['decnet-plugin-sample'])
    const fleet = startDecnet(t, ['fleet', 'sample', '--user', 'nobody'], {env})
    await fleet.waitFor(/\[decnet\] fleet sample ready \(2 workers\)/)
    const pids = fleet.workerPids()
    assert.deepEqual([...pids.keys()].sort(), ['alpha', 'beta'])
    for (const [name, pid] of pids) {
      const ids = processIds(pid)
      assert.deepEqual(ids.uid, [NOBODY, NOBODY, NOBODY, NOBODY], `${name} uid`)
      assert.deepEqual(ids.gid, [NOBODY, NOBODY, NOBODY, NOBODY], `${name} gid`)
    }

    assert.deepEqual(processIds(fleet.child.pid).uid, [0, 0, 0, 0], 'the master stays root')
    fleet.child.kill('SIGTERM')
    const {code, signal} = await fleet.exited
    assert.equal(code, EXIT.OK, fleet.output())
    assert.equal(signal, null)
    assert.match(fleet.stdout(), /^alpha \| idle worker alpha stopping$/m)
    for (const [name, pid] of pids) assert.equal(isAlive(pid), false, `${name} (pid ${pid}) outlived the master`)
  })

  it('runs as root under --allow-root, after a loud warning', async (t) => {
    const {env} = linkedDataDir(t, ['decnet-plugin-sample'])
    const fleet = startDecnet(t, ['fleet', 'sample', '--allow-root'], {env})
    await fleet.waitFor(/fleet sample ready \(2 workers\)/)
    assert.match(fleet.stderr(), /!!! WARNING: running fleet 'sample' as root because of --allow-root/)
    for (const pid of fleet.workerPids().values()) assert.equal(processIds(pid).uid[1], 0)
    fleet.child.kill('SIGINT')
    assert.equal((await fleet.exited).code, EXIT.OK, fleet.output())
  })

  it('runs a root fleet as root without complaint', async (t) => {
    const {env} = linkedDataDir(t, ['decnet-plugin-rootly'])
    const {code, stderr, stdout} = await runDecnet(t, ['fleet', 'rootly', '--once'], {env})
    assert.equal(code, EXIT.OK, stderr)
    assert.doesNotMatch(stderr, /WARNING|refusing/)
    assert.match(stdout, /^admin \| idle worker admin of fleet rootly is up/m)
  })

  it('warns about broken plugins (one throws, one hangs) and still runs a good fleet, long before the hung hook ends', {timeout: 60_000}, async (t) => {
    const {env} = linkedDataDir(t, ['decnet-plugin-sample', 'decnet-plugin-throws', 'decnet-plugin-hangs'])
    const {code, stderr, stdout} = await runDecnet(t, ['fleet', 'sample', '--once', '--user', 'nobody'], {env, timeoutMs: 50_000})
    assert.equal(code, EXIT.OK, stderr)
    const warnings = unwrap(stderr)
    assert.match(warnings, /Warning: plugin decnet-plugin-throws: hook failed: the fleet catalogue is on fire/)
    assert.match(warnings, /Warning: plugin decnet-plugin-hangs: hook timed out after 5000 ms/)
    assert.match(stdout, /^alpha \| idle worker alpha of fleet sample is up/m)
    assert.match(stdout, /^beta \| idle worker beta of fleet sample is up/m)
  })

  it('passes --db (in the context, parsed, and as DECNET_DB_URL) and --interval (seconds) to the workers, and defaults the database to the data dir', async (t) => {
    const {dir, env} = linkedDataDir(t, ['decnet-plugin-probe'])
    const given = await runDecnet(t, ['fleet', 'probe', '--once', '--user', 'nobody', '--db', 'sqlite:/tmp/elsewhere.sqlite', '--interval', '2.5'], {env})
    assert.equal(given.code, EXIT.OK, given.stderr)
    assert.deepEqual(probeReport(given.stdout), {database: {kind: 'sqlite', path: '/tmp/elsewhere.sqlite'}, db: 'sqlite:/tmp/elsewhere.sqlite', gid: NOBODY, options: {interval: 2.5, label: 'from-definition'}, uid: NOBODY})

    const fromEnv = await runDecnet(t, ['fleet', 'probe', '--once', '--user', 'nobody'], {env: {...env, DECNET_DB_URL: 'postgres://decnet@db.example/decnet'}})
    assert.equal(fromEnv.code, EXIT.OK, fromEnv.stderr)
    assert.equal(probeReport(fromEnv.stdout).db, 'postgres://decnet@db.example/decnet')
    assert.deepEqual(probeReport(fromEnv.stdout).database, {kind: 'postgres', url: 'postgres://decnet@db.example/decnet'})

    const byDefault = await runDecnet(t, ['fleet', 'probe', '--once', '--user', 'nobody', '--watchdog', '0'], {env})
    assert.equal(byDefault.code, EXIT.OK, byDefault.stderr)
    assert.deepEqual(probeReport(byDefault.stdout), {database: {kind: 'sqlite', path: `${dir}/db/decnet.sqlite`}, db: `sqlite:${dir}/db/decnet.sqlite`, gid: NOBODY, options: {interval: 60, label: 'from-definition'}, uid: NOBODY})
  })

  it('exits 2 on a database URL it cannot use', async (t) => {
    const {env} = linkedDataDir(t, ['decnet-plugin-probe'])
    const {code, stderr} = await runDecnet(t, ['fleet', 'probe', '--once', '--user', 'nobody', '--db', 'mysql://x/y'], {env})
    assert.equal(code, EXIT.USAGE)
    assert.match(unwrap(stderr), /bad database url "mysql:\/\/x\/y": unsupported scheme/)
  })

  it('runs a database fleet as an unprivileged user with no flag at all', async (t) => {
    const {env} = linkedDataDir(t, ['decnet-plugin-probe'], {owner: 'nobody'})
    const {code, stderr, stdout} = await runDecnet(t, ['fleet', 'probe', '--once'], {env, ...asNobody})
    assert.equal(code, EXIT.OK, stderr)
    assert.equal(probeReport(stdout).uid, NOBODY)
  })
})
