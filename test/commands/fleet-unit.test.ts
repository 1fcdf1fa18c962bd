// `decnet fleet unit NAME` through the real CLI, with fixture plugins of every privilege profile;
// every unit printed is also checked by `systemd-analyze verify` when the machine has it.
import assert from 'node:assert/strict'
import {mkdtempSync, readFileSync, realpathSync, rmSync, statSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join, relative} from 'node:path'
import {describe, it, type TestContext} from 'node:test'

import {ExitCode} from '../../src/exit-codes.js'
import {EXIT, linkedDataDir, REPO, RUN, runDecnet, unwrap} from '../helpers/decnet-cli.js'
import {UNIT_UNREACHABLE, parseUnit, verifyUnit, type ParsedUnit} from '../helpers/systemd-unit.js'

const PLUGINS = ['decnet-plugin-sample', 'decnet-plugin-profiles', 'decnet-plugin-rootly']
/** What the unit's ExecStart names: decnet's entry point with symlinks resolved. */
const ENTRY = realpathSync(RUN)
const UNREACHABLE = UNIT_UNREACHABLE
const reachable = {skip: UNREACHABLE && `decnet or node lives under a temporary directory (${UNREACHABLE}), which a unit cannot reach`}

/** The lines that carry privilege, in the order the unit gives them. */
function privilegeLines(unit: ParsedUnit): string[] {
  const keys = new Set(['AmbientCapabilities', 'CapabilityBoundingSet', 'DynamicUser', 'Group', 'RestrictAddressFamilies', 'SupplementaryGroups', 'User'])
  return unit.directives('Service').filter(([k]) => keys.has(k)).map(([k, v]) => `${k}=${v}`)
}

/** The name of group `gid` in /etc/group (what `Group=` should say for `--user nobody`). */
function groupName(gid: number): string {
  const line = readFileSync('/etc/group', 'utf8').split('\n').find((l) => l.split(':')[2] === String(gid))
  return line ? line.split(':')[0] : String(gid)
}

async function unitOf(t: TestContext, args: string[], env: NodeJS.ProcessEnv) {
  const result = await runDecnet(t, ['fleet', 'unit', ...args], {env})
  assert.equal(result.code, EXIT.OK, `decnet fleet unit ${args.join(' ')}:\n${result.stderr}`)
  return {...result, unit: parseUnit(result.stdout)}
}

function assertVerified(t: TestContext, text: string, fileName: string): void {
  const verdict = verifyUnit(t, text, fileName)
  if (verdict.skip) t.diagnostic(`not verified: ${verdict.skip}`)
  else assert.deepEqual(verdict.problems, [], `systemd-analyze verify objected:\n${verdict.output}`)
}

describe('decnet fleet unit NAME', reachable, () => {
  it('heavy --user nobody: that user and its group, no capabilities, stop timing from the default grace', async (t) => {
    const {env} = linkedDataDir(t, [])
    const {stderr, stdout, unit} = await unitOf(t, ['heavy', '--user', 'nobody'], env)
    assert.deepEqual(privilegeLines(unit), [
      'User=nobody',
      `Group=${groupName(65534)}`,
      'CapabilityBoundingSet=',
      'AmbientCapabilities=',
      'RestrictAddressFamilies=AF_UNIX AF_INET AF_INET6',
    ])
    assert.equal(unit.value('Service', 'ExecStart'), `${process.execPath} ${ENTRY} fleet heavy --grace 15`)
    assert.equal(unit.value('Service', 'KillMode'), 'mixed')
    assert.equal(unit.value('Service', 'KillSignal'), 'SIGTERM')
    assert.equal(unit.value('Service', 'TimeoutStopSec'), '20s')
    assert.equal(unit.value('Service', 'Restart'), 'on-failure')
    assert.equal(unit.value('Service', 'RestartPreventExitStatus'), '2 3 4 7')
    assert.equal(unit.value('Service', 'NoNewPrivileges'), 'yes')
    assert.equal(unit.value('Service', 'MemoryDenyWriteExecute'), undefined)
    assert.match(unit.value('Unit', 'Description') ?? '', /^decnet fleet heavy: Attacker profiler/)
    assert.match(unwrap(stderr), /user 'nobody' is shared with every other service/)
    assertVerified(t, stdout, 'decnet-heavy.service')
  })

  it('heavy --webhook URL --webhook-secret-file FILE [--webhook-ca FILE]: the URL on ExecStart, the secret and CA through LoadCredential= (never on the command line)', async (t) => {
    const {env} = linkedDataDir(t, [])
    const args = ['heavy', '--webhook', 'https://hooks.example/decnet', '--webhook-secret-file', '/etc/decnet/webhook.secret']
    const {stderr, stdout, unit} = await unitOf(t, args, env)
    assert.equal(unit.value('Service', 'ExecStart'), `${process.execPath} ${ENTRY} fleet heavy --grace 15 --webhook https://hooks.example/decnet --webhook-secret-file %d/webhook-secret`)
    assert.equal(unit.value('Service', 'LoadCredential'), 'webhook-secret:/etc/decnet/webhook.secret')
    assert.match(unwrap(stderr), /if the URL's path or query holds a token, leave --webhook out and put DECNET_WEBHOOK_URL=URL in \/etc\/decnet\/heavy\.env/)
    assertVerified(t, stdout, 'decnet-heavy.service')

    const withCredentials = await runDecnet(t, ['fleet', 'unit', 'heavy', '--webhook', 'https://user:pw@hooks.example/'], {env})
    assert.equal(withCredentials.code, EXIT.USAGE, withCredentials.stderr)
    assert.match(unwrap(withCredentials.stderr), /the unit file is world-readable: put a URL with credentials in \/etc\/decnet\/heavy\.env as DECNET_WEBHOOK_URL=URL/)
    assert.doesNotMatch(withCredentials.stderr, /pw/)
    const withCa = await unitOf(t, [...args, '--webhook-ca', '/etc/decnet/soc-ca.pem'], env)
    assert.equal(withCa.unit.value('Service', 'ExecStart'), `${process.execPath} ${ENTRY} fleet heavy --grace 15 --webhook https://hooks.example/decnet --webhook-secret-file %d/webhook-secret --webhook-ca %d/webhook-ca`)
    assert.match(withCa.stdout, /^LoadCredential=webhook-secret:\/etc\/decnet\/webhook\.secret\n(?:#.*\n)*LoadCredential=webhook-ca:\/etc\/decnet\/soc-ca\.pem$/m)
    assertVerified(t, withCa.stdout, 'decnet-heavy.service')
    const caOverHttp = await runDecnet(t, ['fleet', 'unit', 'heavy', '--webhook', 'http://hooks.example/', '--webhook-ca', '/etc/decnet/soc-ca.pem'], {env})
    assert.equal(caOverHttp.code, EXIT.USAGE, caOverHttp.stderr)
    assert.match(unwrap(caOverHttp.stderr), /--webhook-ca is for an https:\/\/ receiver; --webhook is http/)
    const strayCa = await runDecnet(t, ['fleet', 'unit', 'heavy', '--webhook-ca', '/etc/decnet/soc-ca.pem'], {env})
    assert.equal(strayCa.code, EXIT.USAGE, strayCa.stderr)
    assert.match(unwrap(strayCa.stderr), /`--webhook-ca` needs --webhook URL/)

    const noAlerts = await runDecnet(t, ['fleet', 'unit', 'collect', '--webhook', 'https://hooks.example/'], {env})
    assert.equal(noAlerts.code, EXIT.USAGE, noAlerts.stderr)
    assert.match(unwrap(noAlerts.stderr), /fleet 'collect' sends no alerts/)
  })

  it("carries exactly each fleet's profile: database, docker, net-raw, root", async (t) => {
    const {env} = linkedDataDir(t, PLUGINS)
    const expected = {
      dockhand: [
        'DynamicUser=yes',
        'User=decnet-dockhand',
        'Group=decnet-dockhand',
        'CapabilityBoundingSet=',
        'AmbientCapabilities=',
        'SupplementaryGroups=docker',
        'RestrictAddressFamilies=AF_UNIX AF_INET AF_INET6',
      ],
      rootly: [],
      sample: [
        'DynamicUser=yes',
        'User=decnet-sample',
        'Group=decnet-sample',
        'CapabilityBoundingSet=',
        'AmbientCapabilities=',
        'RestrictAddressFamilies=AF_UNIX AF_INET AF_INET6',
      ],
      sniffer: [
        'DynamicUser=yes',
        'User=decnet-sniffer',
        'Group=decnet-sniffer',
        'CapabilityBoundingSet=CAP_NET_RAW',
        'AmbientCapabilities=CAP_NET_RAW',
        'RestrictAddressFamilies=AF_UNIX AF_INET AF_INET6 AF_NETLINK AF_PACKET',
      ],
    }
    for (const [name, lines] of Object.entries(expected)) {
      const {stdout, unit} = await unitOf(t, [name], env)
      assert.deepEqual(privilegeLines(unit), lines, name)
      assert.equal(unit.value('Service', 'ExecStart'), `${process.execPath} ${ENTRY} fleet ${name} --grace 15`, name)
      assert.equal(unit.value('Service', 'ProtectSystem'), name === 'rootly' ? undefined : 'strict', name)
      assertVerified(t, stdout, `decnet-${name}.service`)
    }
  })

  it('collect: no capability; collect-bind (net-bind): CAP_NET_BIND_SERVICE alone; the settings\' files are reachable', async (t) => {
    const {dir, env} = linkedDataDir(t, [])
    const follow = '/root/decnet-logs/decnet.log'
    writeFileSync(join(dir, 'collect.json'), JSON.stringify({follow: [follow, '/var/log/decnet/decnet.log'], listen: ['tcp://0.0.0.0:514']}))
    const collect = await unitOf(t, ['collect', '--user', 'nobody'], env)
    assert.deepEqual(privilegeLines(collect.unit), ['User=nobody', `Group=${groupName(65534)}`, 'CapabilityBoundingSet=', 'AmbientCapabilities=', 'RestrictAddressFamilies=AF_UNIX AF_INET AF_INET6'])
    assert.equal(collect.unit.value('Service', 'ExecStart'), `${process.execPath} ${ENTRY} fleet collect --grace 15`)
    assert.ok(collect.unit.values('Service', 'BindReadOnlyPaths').some((v) => v.includes('/root/decnet-logs')), 'the followed directory under a home is bound in')
    const bind = await unitOf(t, ['collect-bind'], env)
    assert.deepEqual(privilegeLines(bind.unit), [
      'DynamicUser=yes',
      'User=decnet-collect-bind',
      'Group=decnet-collect-bind',
      'CapabilityBoundingSet=CAP_NET_BIND_SERVICE',
      'AmbientCapabilities=CAP_NET_BIND_SERVICE',
      'RestrictAddressFamilies=AF_UNIX AF_INET AF_INET6',
    ])
    assert.equal(bind.unit.value('Service', 'NoNewPrivileges'), 'yes')
    assertVerified(t, bind.stdout, 'decnet-collect-bind.service')
  })

  it('follows --grace: in ExecStart, and TimeoutStopSec = grace + 5 s', async (t) => {
    const {env} = linkedDataDir(t, PLUGINS)
    for (const [grace, timeout] of [['30', '35s'], ['0.5', '6s']]) {
      const {unit} = await unitOf(t, ['sample', '--grace', grace], env)
      assert.equal(unit.value('Service', 'ExecStart'), `${process.execPath} ${ENTRY} fleet sample --grace ${grace}`)
      assert.equal(unit.value('Service', 'TimeoutStopSec'), timeout)
    }
  })

  it('--max-memory MB: in ExecStart as `decnet fleet NAME --max-memory MB`, no MemoryMax=', async (t) => {
    const {env} = linkedDataDir(t, PLUGINS)
    const {stdout, unit} = await unitOf(t, ['sample', '--max-memory', '256', '--grace', '30'], env)
    assert.equal(unit.value('Service', 'ExecStart'), `${process.execPath} ${ENTRY} fleet sample --grace 30 --max-memory 256`)
    assert.equal(unit.value('Service', 'MemoryMax'), undefined)
    assert.equal(unit.value('Service', 'TimeoutStopSec'), '35s')
    assertVerified(t, stdout, 'decnet-sample.service')
  })

  it('heavy --geoip-db FILE --asn-db FILE: both in ExecStart as absolute paths, after the files were read as the profiler reads them', async (t) => {
    const {env} = linkedDataDir(t, [])
    const fixtures = join(REPO, 'test', 'fixtures', 'geoip')
    const country = join(fixtures, 'GeoLite2-Country-Test.mmdb')
    const asn = join(fixtures, 'GeoLite2-ASN-Test.mmdb')
    const {stdout, unit} = await unitOf(t, ['heavy', '--user', 'nobody', '--geoip-db', country, '--asn-db', relative(process.cwd(), asn)], env)
    assert.equal(unit.value('Service', 'ExecStart'), `${process.execPath} ${ENTRY} fleet heavy --grace 15 --geoip-db ${country} --asn-db ${asn}`)
    assertVerified(t, stdout, 'decnet-heavy.service')
    const wrong = await runDecnet(t, ['fleet', 'unit', 'heavy', '--geoip-db', asn], {env})
    assert.equal(wrong.code, ExitCode.INPUT_UNREADABLE, wrong.stderr)
    assert.match(unwrap(wrong.stderr), /GeoLite2-ASN-Test\.mmdb: is a "GeoLite2-ASN" database; expected a country or city database/)
    assert.equal(wrong.stdout, '')
    const missing = await runDecnet(t, ['fleet', 'unit', 'heavy', '--asn-db', join(fixtures, 'no-such.mmdb')], {env})
    assert.equal(missing.code, ExitCode.INPUT_UNREADABLE, missing.stderr)
    assert.match(unwrap(missing.stderr), /no-such\.mmdb/)
  })

  it("keeps a plugin's description from adding directives", async (t) => {
    const {env} = linkedDataDir(t, PLUGINS)
    const {stdout, unit} = await unitOf(t, ['sneaky'], env)
    assert.deepEqual(unit.sections, ['Unit', 'Service', 'Install'])
    assert.equal(unit.value('Service', 'ExecStartPre'), undefined)
    assert.deepEqual(unit.values('Service', 'User'), ['decnet-sneaky'])
    assert.match(unit.value('Unit', 'Description') ?? '', /^decnet fleet sneaky: Innocent 100%% /)
    assertVerified(t, stdout, 'decnet-sneaky.service')
  })

  it('--db without a password goes in Environment=; the default is SQLite in the state directory', async (t) => {
    const {env} = linkedDataDir(t, PLUGINS)
    const plain = await unitOf(t, ['sample'], env)
    assert.equal(plain.unit.values('Service', 'Environment')[0], 'DECNET_DB_URL=sqlite:%S/decnet-sample/decnet.sqlite')
    assert.equal(plain.unit.value('Service', 'StateDirectory'), 'decnet-sample')
    const pg = await unitOf(t, ['sample', '--db', 'postgres://decnet@db.example/decnet'], env)
    assert.equal(pg.unit.values('Service', 'Environment')[0], 'DECNET_DB_URL=postgres://decnet@db.example/decnet')
    const sqlite = await unitOf(t, ['sample', '--user', 'nobody', '--db', 'sqlite:/srv/decnet/x.sqlite'], env)
    assert.deepEqual(sqlite.unit.values('Service', 'ReadWritePaths'), ['/srv/decnet'])
  })

  it('writes --output FILE (or DIR/decnet-NAME.service) with mode 0644, the same text as stdout', async (t) => {
    const {env} = linkedDataDir(t, PLUGINS)
    const dir = mkdtempSync(join(tmpdir(), 'decnet-unit-out-'))
    t.after(() => rmSync(dir, {force: true, recursive: true}))
    const printed = await runDecnet(t, ['fleet', 'unit', 'sniffer'], {env})
    const toFile = await runDecnet(t, ['fleet', 'unit', 'sniffer', '--output', join(dir, 'x.service')], {env})
    assert.equal(toFile.code, EXIT.OK, toFile.stderr)
    assert.equal(toFile.stdout, '')
    assert.match(toFile.stderr, new RegExp(`wrote ${join(dir, 'x.service')}`))
    assert.equal(readFileSync(join(dir, 'x.service'), 'utf8'), printed.stdout)
    assert.equal(statSync(join(dir, 'x.service')).mode & 0o777, 0o644)
    const toDir = await runDecnet(t, ['fleet', 'unit', 'sniffer', '-o', dir], {env})
    assert.equal(toDir.code, EXIT.OK, toDir.stderr)
    assert.equal(readFileSync(join(dir, 'decnet-sniffer.service'), 'utf8'), printed.stdout)
  })
})

describe('decnet fleet unit NAME: refusals (exit 2)', reachable, () => {
  const cases: Array<[string[], RegExp]> = [
    [['nope'], /unknown fleet 'nope'; known fleets: .*sample/],
    [['sample', '--grace=-1'], /Expected `--grace` to be a positive number of seconds, got `-1`/],
    [['rootly', '--user', 'nobody'], /fleet 'rootly' needs root: --user would take it away/],
    [['sample', '--user', 'root'], /--user root: that user runs as root/],
    [['sample', '--user', 'no-such-user-decnet'], /--user: unknown user 'no-such-user-decnet'/],
    [['sample', '--db', 'postgres://decnet:s3cret@db/decnet'], /holds a password.*\/etc\/decnet\/sample\.env/],
    [['sample', '--db', 'sqlite:/srv/decnet/x.sqlite'], /outside the unit's state directory \(\/var\/lib\/decnet-sample\).*--user NAME/],
    [['sample', '--db', 'mysql://db/x'], /unsupported scheme "mysql:"/],
  ]
  for (const [args, message] of cases) {
    it(args.join(' '), async (t) => {
      const {env} = linkedDataDir(t, PLUGINS)
      const {code, stderr, stdout} = await runDecnet(t, ['fleet', 'unit', ...args], {env})
      assert.equal(code, EXIT.USAGE, stderr)
      assert.match(unwrap(stderr), message)
      assert.doesNotMatch(unwrap(stderr), /s3cret/)
      assert.equal(stdout, '')
    })
  }
})

describe('decnet fleet unit NAME --max-memory: bad values', reachable, () => {
  it('are refused with exit 2 and the very message `decnet fleet NAME --max-memory` gives', async (t) => {
    const {env} = linkedDataDir(t, PLUGINS)
    for (const value of ['0', '-5', '1.5', 'lots', '1048577']) {
      const unit = await runDecnet(t, ['fleet', 'unit', 'sample', '--max-memory', value], {env})
      assert.equal(unit.code, EXIT.USAGE, `${value}: ${unit.stderr}`)
      assert.equal(unit.stdout, '')
      assert.match(unwrap(unit.stderr), /Parsing --max-memory .*Expected an integer/, value)
      const fleet = await runDecnet(t, ['fleet', 'sample', '--max-memory', value], {env})
      assert.equal(fleet.code, EXIT.USAGE, `${value}: ${fleet.stderr}`)
      assert.equal(unwrap(unit.stderr), unwrap(fleet.stderr), value)
    }
  })
})

describe('decnet fleet unit NAME: a checkout under a temporary directory', {skip: !UNREACHABLE && 'this checkout and node are outside temporary directories'}, () => {
  it('is refused, naming the path the service could not see', async (t) => {
    const {env} = linkedDataDir(t, [])
    const {code, stderr} = await runDecnet(t, ['fleet', 'unit', 'heavy'], {env})
    assert.equal(code, EXIT.USAGE, stderr)
    assert.match(unwrap(stderr), /must be read by the service, but it is under a temporary directory/)
  })
})
