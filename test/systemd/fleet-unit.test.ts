// The pure unit builder: what each privilege profile gets, timing, restarts, paths, databases.
// Each unit built here from real paths is also checked by `systemd-analyze verify` when available.
import assert from 'node:assert/strict'
import {describe, it, type TestContext} from 'node:test'

import {ExitCode} from '../../src/exit-codes.js'
import {unitRuntimeDirectory} from '../../src/control/fleet-paths.js'
import {capabilityNames, exceedsProfile} from '../../src/prefork/credentials.js'
import type {PrivilegeProfile, ResolvedFleet, ResolvedWorker} from '../../src/fleets/types.js'
import type {DatabaseTarget} from '../../src/db/url.js'
import type {Credentials} from '../../src/prefork/credentials.js'
import {buildFleetUnit, type FleetUnit, type FleetUnitInput, FleetUnitError, PROFILE_SANDBOX} from '../../src/systemd/index.js'
import {type ParsedUnit, parseUnit, verifyUnit} from '../helpers/systemd-unit.js'

/** What a test changes of the unit's input; `fleet` is merged over the profile's default fleet. */
type BuildInput = Partial<Omit<FleetUnitInput, 'fleet'>> & {fleet?: Partial<ResolvedFleet>}

/** A built unit and its parsed text. */
type BuiltUnit = FleetUnit & {parsed: ParsedUnit}

// Made-up paths, outside home and temporary directories wherever this checkout and node happen to be.
// (systemd-analyze is therefore told not to look for the executable; the CLI tests name real ones.)
const REPO = '/opt/decnet'
const RUN = `${REPO}/bin/run.js`
const NODE = '/opt/node/bin/node'
const RUNTIME = Object.freeze({dataDir: '/var/lib/decnet-plugins', entry: RUN, node: NODE, packageRoot: REPO, version: '9.9.9'})

function fleet(profile: PrivilegeProfile, extra: Partial<ResolvedFleet> = {}): ResolvedFleet {
  const name = extra.name ?? `f-${profile}`
  return {
    description: `A ${profile} fleet`,
    name,
    plugin: 'decnet-plugin-x',
    pluginRoot: REPO,
    profile,
    workers: [{exportName: 'default', modulePath: `${REPO}/test/fixtures/plugins/decnet-plugin-sample/workers/idle.js`, name: 'w', needs: profile, options: {}, restart: 'on-failure'}],
    ...extra,
  }
}

function build(profile: PrivilegeProfile, input: BuildInput = {}): BuiltUnit {
  const unit = buildFleetUnit({graceMs: 15_000, runtime: RUNTIME, ...input, fleet: fleet(profile, input.fleet)})
  return {...unit, parsed: parseUnit(unit.text)}
}

/** The lines that carry privilege, in the order the unit gives them. */
function privilegeLines(parsed: ParsedUnit): string[] {
  const keys = new Set(['AmbientCapabilities', 'CapabilityBoundingSet', 'DynamicUser', 'Group', 'RestrictAddressFamilies', 'SupplementaryGroups', 'User'])
  return parsed.directives('Service').filter(([k]) => keys.has(k)).map(([k, v]) => `${k}=${v}`)
}

const SANDBOX = {
  LockPersonality: 'yes',
  NoNewPrivileges: 'yes',
  PrivateDevices: 'yes',
  PrivateTmp: 'yes',
  ProtectClock: 'yes',
  ProtectControlGroups: 'yes',
  ProtectHome: 'yes',
  ProtectHostname: 'yes',
  ProtectKernelLogs: 'yes',
  ProtectKernelModules: 'yes',
  ProtectKernelTunables: 'yes',
  ProtectSystem: 'strict',
  RestrictNamespaces: 'yes',
  RestrictRealtime: 'yes',
  RestrictSUIDSGID: 'yes',
  SystemCallArchitectures: 'native',
  UMask: '0077',
}

function assertVerified(t: TestContext, unit: FleetUnit): void {
  const verdict = verifyUnit(t, unit.text, unit.fileName, {executables: false})
  if (verdict.skip) t.diagnostic(`not verified: ${verdict.skip}`)
  else assert.deepEqual(verdict.problems, [], `systemd-analyze verify objected:\n${verdict.output}`)
}

describe('buildFleetUnit: privilege per profile', () => {
  it('database: a dynamic user, no capabilities, no extra groups, IP and Unix sockets only', (t) => {
    const unit = build('database')
    assert.deepEqual(privilegeLines(unit.parsed), [
      'DynamicUser=yes',
      'User=decnet-f-database',
      'Group=decnet-f-database',
      'CapabilityBoundingSet=',
      'AmbientCapabilities=',
      'RestrictAddressFamilies=AF_UNIX AF_INET AF_INET6',
    ])
    assert.equal(unit.fileName, 'decnet-f-database.service')
    assertVerified(t, unit)
  })

  it('docker: the docker group on top, still no capabilities', (t) => {
    const unit = build('docker')
    assert.deepEqual(privilegeLines(unit.parsed), [
      'DynamicUser=yes',
      'User=decnet-f-docker',
      'Group=decnet-f-docker',
      'CapabilityBoundingSet=',
      'AmbientCapabilities=',
      'SupplementaryGroups=docker',
      'RestrictAddressFamilies=AF_UNIX AF_INET AF_INET6',
    ])
    assertVerified(t, unit)
  })

  it('net-raw: CAP_NET_RAW alone in the bounding and ambient sets, packet and netlink sockets', (t) => {
    const unit = build('net-raw')
    assert.deepEqual(privilegeLines(unit.parsed), [
      'DynamicUser=yes',
      'User=decnet-f-net-raw',
      'Group=decnet-f-net-raw',
      'CapabilityBoundingSet=CAP_NET_RAW',
      'AmbientCapabilities=CAP_NET_RAW',
      'RestrictAddressFamilies=AF_UNIX AF_INET AF_INET6 AF_NETLINK AF_PACKET',
    ])
    assertVerified(t, unit)
  })

  it('net-bind: CAP_NET_BIND_SERVICE alone in the bounding and ambient sets, no packet or netlink sockets', (t) => {
    const unit = build('net-bind')
    assert.deepEqual(privilegeLines(unit.parsed), [
      'DynamicUser=yes',
      'User=decnet-f-net-bind',
      'Group=decnet-f-net-bind',
      'CapabilityBoundingSet=CAP_NET_BIND_SERVICE',
      'AmbientCapabilities=CAP_NET_BIND_SERVICE',
      'RestrictAddressFamilies=AF_UNIX AF_INET AF_INET6',
    ])
    assertVerified(t, unit)
  })

  it('root: runs as root, no capability restriction, only hardening a root task can live without', (t) => {
    const unit = build('root')
    assert.deepEqual(privilegeLines(unit.parsed), [])
    for (const key of ['ProtectSystem', 'ProtectHome', 'PrivateDevices', 'RestrictNamespaces', 'ProtectKernelModules']) {
      assert.equal(unit.parsed.value('Service', key), undefined, key)
    }

    for (const key of ['NoNewPrivileges', 'PrivateTmp', 'LockPersonality']) assert.equal(unit.parsed.value('Service', key), 'yes', key)
    assert.throws(() => build('root', {account: {group: 'decnet', user: 'decnet'}}), {
      message: "fleet 'f-root' needs root: --user would take it away",
    })
    assertVerified(t, unit)
  })

  it('a --user account replaces the dynamic user; the profile lines stay', () => {
    const unit = build('net-raw', {account: {group: 'decnet', user: 'decnet'}})
    assert.deepEqual(privilegeLines(unit.parsed), [
      'User=decnet',
      'Group=decnet',
      'CapabilityBoundingSet=CAP_NET_RAW',
      'AmbientCapabilities=CAP_NET_RAW',
      'RestrictAddressFamilies=AF_UNIX AF_INET AF_INET6 AF_NETLINK AF_PACKET',
    ])
    assert.throws(() => build('database', {account: {group: 'x', user: 'a b'}}), FleetUnitError)
  })

  it('grants what the master accepts for its profile, and every larger grant is refused (exceedsProfile)', () => {
    const DOCKER_GID = 4242
    const bit = (name: string): bigint => {
      for (let b = 0n; b < 64n; b++) if (capabilityNames(1n << b)[0] === name.toLowerCase()) return 1n << b
      throw new Error(`no such capability ${name}`)
    }

    const credsOf = (profile: PrivilegeProfile): Credentials => {
      const sandbox = PROFILE_SANDBOX[profile]
      assert.ok(sandbox.capabilities !== null, `${profile} has a bounded capability set`)
      return {
        capEff: sandbox.capabilities.reduce((set, cap) => set | bit(cap), 0n),
        egid: 1000,
        euid: 1000,
        gid: 1000,
        groups: [1000, ...sandbox.supplementaryGroups.map((g) => (g === 'docker' ? DOCKER_GID : assert.fail(g)))],
        uid: 1000,
      }
    }

    const ordered: PrivilegeProfile[] = ['database', 'docker', 'net-bind', 'net-raw']
    for (const profile of ordered) {
      assert.equal(exceedsProfile(credsOf(profile), profile, DOCKER_GID), null, profile)
      for (const other of ordered.filter((o) => o !== profile && o !== 'database')) {
        assert.notEqual(exceedsProfile(credsOf(other), profile, DOCKER_GID), null, `${other}'s grant in a ${profile} fleet`)
      }
    }
  })
})

describe('buildFleetUnit: how it runs and stops', () => {
  it('ExecStart is absolute node + bin/run.js + `fleet NAME --grace N`; stop timing follows --grace', () => {
    const cases: Array<[number, string, string]> = [[15_000, '15', '20s'], [30_000, '30', '35s'], [500, '0.5', '6s'], [2500, '2.5', '8s']]
    for (const [graceMs, grace, timeout] of cases) {
      const {parsed} = build('database', {graceMs})
      assert.equal(parsed.value('Service', 'ExecStart'), `${NODE} ${RUN} fleet f-database --grace ${grace}`)
      assert.equal(parsed.value('Service', 'TimeoutStopSec'), timeout, `grace ${grace}`)
      assert.equal(parsed.value('Service', 'KillMode'), 'mixed')
      assert.equal(parsed.value('Service', 'KillSignal'), 'SIGTERM')
      // systemctl reload: SIGHUP to the master (decnet fleet reload's signal)
      assert.equal(parsed.value('Service', 'ExecReload'), '/bin/kill -HUP $MAINPID')
    }
  })

  it('--max-memory goes to ExecStart as the fleet command\'s per-worker limit, with no whole-service MemoryMax=', (t) => {
    const unit = build('database', {maxMemoryMb: 512})
    assert.equal(unit.parsed.value('Service', 'ExecStart'), `${NODE} ${RUN} fleet f-database --grace 15 --max-memory 512`)
    for (const key of ['MemoryMax', 'MemoryHigh', 'MemoryLimit', 'OOMPolicy']) assert.equal(unit.parsed.value('Service', key), undefined, key)
    assert.match(unit.text, /^# No MemoryMax=: /m)
    assertVerified(t, unit)
    const without = build('database')
    assert.equal(without.parsed.value('Service', 'ExecStart'), `${NODE} ${RUN} fleet f-database --grace 15`)
    assert.doesNotMatch(without.text, /max-memory|MemoryMax/, 'no limit asked: the fleet definition\'s own limits apply')
  })

  it('--geoip-db and --asn-db go to ExecStart; the service reads them (bound back in under a home, refused under /tmp)', (t) => {
    const geoDatabases = {asn: '/srv/geo/GeoLite2-ASN.mmdb', geoip: '/root/geo/GeoLite2-Country.mmdb'}
    const unit = build('database', {geoDatabases})
    assert.equal(unit.parsed.value('Service', 'ExecStart'), `${NODE} ${RUN} fleet f-database --grace 15 --geoip-db /root/geo/GeoLite2-Country.mmdb --asn-db /srv/geo/GeoLite2-ASN.mmdb`)
    // /srv is readable under ProtectSystem=strict as it is; the file in /root is bound into the empty home, alone
    assert.deepEqual(unit.parsed.values('Service', 'BindReadOnlyPaths'), ['/root/geo/GeoLite2-Country.mmdb'])
    assert.equal(unit.parsed.value('Service', 'ProtectHome'), 'tmpfs')
    assertVerified(t, unit)
    const one = build('database', {geoDatabases: {asn: '/srv/geo/GeoLite2-ASN.mmdb'}})
    assert.equal(one.parsed.value('Service', 'ExecStart'), `${NODE} ${RUN} fleet f-database --grace 15 --asn-db /srv/geo/GeoLite2-ASN.mmdb`)
    assert.equal(one.parsed.value('Service', 'ProtectHome'), 'yes')
    assert.throws(() => build('database', {geoDatabases: {geoip: '/tmp/GeoLite2-Country.mmdb'}}), /the GeoIP database \(--geoip-db\) \/tmp\/GeoLite2-Country\.mmdb must be read by the service.*PrivateTmp=yes/)
    assert.throws(() => build('database', {geoDatabases: {asn: 'geo/asn.mmdb'}}), /the ASN database \(--asn-db\) "geo\/asn\.mmdb" is not an absolute path/)
  })

  it('refuses a --max-memory that is not a positive whole number of MiB', () => {
    for (const maxMemoryMb of [0, -1, 1.5, Number.NaN, Number.POSITIVE_INFINITY]) {
      assert.throws(() => build('database', {maxMemoryMb}), (error) => {
        assert.ok(error instanceof FleetUnitError, String(error))
        assert.equal(error.message, `Expected \`--max-memory\` to be a positive whole number of MiB, got \`${maxMemoryMb}\``)
        return true
      })
    }
  })

  it('restarts on failure, but not after exits that will not fix themselves', () => {
    const {parsed} = build('database')
    assert.equal(parsed.value('Service', 'Restart'), 'on-failure')
    assert.equal(parsed.value('Service', 'RestartSec'), '5s')
    const codes = [ExitCode.USAGE, ExitCode.PRIVILEGE_REFUSED, ExitCode.WORKER_BOOT_FAILED, ExitCode.PRIVILEGE_EXCEEDED]
    assert.equal(parsed.value('Service', 'RestartPreventExitStatus'), codes.join(' '))
  })

  it('has the whole sandbox, and no MemoryDenyWriteExecute (V8 needs W+X memory), with the reason in a comment', () => {
    const unit = build('database')
    for (const [key, value] of Object.entries(SANDBOX)) assert.equal(unit.parsed.value('Service', key), value, key)
    assert.equal(unit.parsed.value('Service', 'MemoryDenyWriteExecute'), undefined)
    assert.match(unit.text, /^# No MemoryDenyWriteExecute=yes: V8 .*JIT/m)
    assert.equal(unit.parsed.value('Service', 'Type'), 'exec')
    assert.deepEqual(unit.parsed.values('Unit', 'Wants'), ['network-online.target'])
    assert.deepEqual(unit.parsed.values('Unit', 'After'), ['network-online.target'])
    assert.deepEqual(unit.parsed.values('Install', 'WantedBy'), ['multi-user.target'])
    assert.deepEqual(unit.parsed.sections, ['Unit', 'Service', 'Install'])
  })

  it('a state directory per fleet holds the default SQLite database; secrets come from a root-only file', () => {
    const {parsed} = build('database')
    assert.equal(parsed.value('Service', 'StateDirectory'), 'decnet-f-database')
    assert.equal(parsed.value('Service', 'StateDirectoryMode'), '0700')
    assert.deepEqual(parsed.values('Service', 'Environment'), [
      'DECNET_DB_URL=sqlite:%S/decnet-f-database/decnet.sqlite',
      'DECNET_DATA_DIR=/var/lib/decnet-plugins',
      'DECNET_RUNTIME_DIR=/run/decnet-f-database',
    ])
    assert.equal(parsed.value('Service', 'EnvironmentFile'), '-/etc/decnet/f-database.env')
  })

  for (const profile of ['database', 'docker', 'net-bind', 'net-raw', 'root'] as const) {
    it(`${profile}: a runtime directory of its own holds the control socket, where decnet is told to put it and root's decnet looks`, () => {
      const {parsed} = build(profile)
      assert.equal(parsed.value('Service', 'RuntimeDirectory'), `decnet-f-${profile}`)
      assert.equal(parsed.value('Service', 'RuntimeDirectoryMode'), '0700')
      assert.ok(parsed.values('Service', 'Environment').includes(`DECNET_RUNTIME_DIR=/run/decnet-f-${profile}`))
      assert.equal(unitRuntimeDirectory(`f-${profile}`), `/run/decnet-f-${profile}`, 'the directory a root client looks in')
    })
  }

  it('a fleet name too long for a user name gets a short, distinct dynamic user', () => {
    const a = build('database', {fleet: {name: 'a-very-long-fleet-name-for-units'}}).parsed.value('Service', 'User')
    const b = build('database', {fleet: {name: 'a-very-long-fleet-name-for-unitz'}}).parsed.value('Service', 'User')
    assert.ok(a !== undefined && b !== undefined, 'both units have a User=')
    assert.ok(a.length <= 31 && b.length <= 31, `${a} ${b}`)
    assert.notEqual(a, b)
    assert.match(a, /^decnet-a-very-long-fleet-[0-9a-f]{6}$/)
  })
})

describe('buildFleetUnit: what it writes from outside', () => {
  it("a fleet's description cannot add directives or specifiers", (t) => {
    const description = 'Innocent 100% \\\nExecStartPre=/bin/sh -c "touch /x"\n[Service]\nUser=root \\'
    const unit = build('database', {fleet: {description}})
    assert.equal(unit.parsed.value('Service', 'ExecStartPre'), undefined)
    assert.deepEqual(unit.parsed.sections, ['Unit', 'Service', 'Install'])
    assert.deepEqual(unit.parsed.values('Service', 'User'), ['decnet-f-database'])
    const line = unit.parsed.value('Unit', 'Description') ?? assert.fail('no Description=')
    assert.match(line, /^decnet fleet f-database: Innocent 100%% \\ ExecStartPre=.* \[Service\] User=root$/)
    assertVerified(t, unit)
  })

  it('refuses a database URL with a password, pointing at the environment file', () => {
    for (const url of ['postgres://decnet:s3cret@db/decnet', 'postgres://decnet@db/decnet?password=s3cret']) {
      assert.throws(() => build('database', {database: {kind: 'postgres', url}}), (error) => {
        assert.ok(error instanceof FleetUnitError)
        assert.match(error.message, /holds a password.*DECNET_DB_URL=URL in \/etc\/decnet\/f-database\.env \(owned by root, mode 0600\)/)
        assert.doesNotMatch(error.message, /s3cret/)
        return true
      })
    }
  })

  it('takes a PostgreSQL URL without password as is (specifiers escaped)', () => {
    const {parsed} = build('database', {database: {kind: 'postgres', url: 'postgres://de%40cnet@db/decnet'}})
    assert.equal(parsed.values('Service', 'Environment')[0], 'DECNET_DB_URL=postgres://de%%40cnet@db/decnet')
    assert.deepEqual(parsed.values('Service', 'ReadWritePaths'), [])
  })

  it('a SQLite file outside the state directory needs --user, and then that directory is writable', () => {
    const database: DatabaseTarget = {kind: 'sqlite', path: '/srv/decnet/decnet.sqlite'}
    assert.throws(() => build('database', {database}), /outside the unit's state directory .*pass --user NAME/)
    const {parsed} = build('database', {account: {group: 'decnet', user: 'decnet'}, database})
    assert.deepEqual(parsed.values('Service', 'ReadWritePaths'), ['/srv/decnet'])
    assert.equal(parsed.values('Service', 'Environment')[0], 'DECNET_DB_URL=sqlite:/srv/decnet/decnet.sqlite')
    const inside = build('database', {database: {kind: 'sqlite', path: '/var/lib/decnet-f-database/other.sqlite'}}).parsed
    assert.deepEqual(inside.values('Service', 'ReadWritePaths'), [])
  })

  it('binds back only the needed paths that live under home directories (ProtectHome=tmpfs)', () => {
    const runtime = {
      dataDir: '/root/.local/share/decnet',
      entry: '/home/op/decnet/bin/run.js',
      node: '/root/.nvm/versions/node/v20.0.0/bin/node',
      packageRoot: '/home/op/decnet',
    }
    const worker: ResolvedWorker = {exportName: 'default', modulePath: '/home/op/plugin/workers/w.js', name: 'w', needs: 'database', options: {}, restart: 'on-failure'}
    const unit = buildFleetUnit({
      account: {group: 'op', user: 'op'},
      database: {kind: 'sqlite', path: '/home/op/db/decnet.sqlite'},
      fleet: fleet('database', {pluginRoot: '/home/op/plugin', workers: [worker]}),
      graceMs: 15_000,
      runtime,
    })
    const parsed = parseUnit(unit.text)
    assert.equal(parsed.value('Service', 'ProtectHome'), 'tmpfs')
    assert.deepEqual(parsed.values('Service', 'BindReadOnlyPaths'), [
      '/root/.nvm/versions/node/v20.0.0/bin/node',
      '/home/op/decnet',
      '/home/op/plugin',
      '-/root/.local/share/decnet',
    ])
    assert.deepEqual(parsed.values('Service', 'BindPaths'), ['/home/op/db'])
  })

  it('refuses needed paths under /tmp (PrivateTmp hides them); a data directory there is only a warning', () => {
    assert.throws(() => build('database', {fleet: {pluginRoot: '/tmp/plugin'}}), /plugin decnet-plugin-x \/tmp\/plugin must be read by the service.*PrivateTmp=yes/)
    const unit = build('database', {runtime: {...RUNTIME, dataDir: '/tmp/data'}})
    assert.deepEqual(unit.warnings, ["decnet's data directory /tmp/data is under a temporary directory, which the service does not see (PrivateTmp=yes)"])
  })

  it('quotes a node path with blanks in ExecStart, and refuses one with a newline', () => {
    const {parsed} = build('root', {runtime: {...RUNTIME, node: '/opt/my node/bin/node'}})
    assert.equal(parsed.value('Service', 'ExecStart'), `"/opt/my node/bin/node" ${RUN} fleet f-root --grace 15`)
    assert.throws(() => build('root', {runtime: {...RUNTIME, node: '/opt/x\nExecStartPre=/bin/sh'}}), /control character/)
  })
})
