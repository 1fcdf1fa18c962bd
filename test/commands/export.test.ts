// `decnet export stix|misp|navigator|json` over real profiled databases (SQLite and PostgreSQL):
// every STIX object against the OASIS schemas, MISP and Navigator structure, JSON Lines against
// `attackers show --json`, filters, exit codes, and --output (never through a symbolic link).
import assert from 'node:assert/strict'
import {existsSync, lstatSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {describe, it, type TestContext} from 'node:test'

import {readCatalog, shippedCatalogPath} from '../../src/ttp/attack-catalog.js'
import {DATABASE_KINDS, skipReason} from '../helpers/databases.js'
import {dataDirEnv, type DecnetResult, runDecnet, unwrap} from '../helpers/decnet-cli.js'
import {A, B, C, exportDatabase, HOSTILE_COMMAND, HOSTILE_USER, JA3, SHA} from '../helpers/export-data.js'
import {runInProcess} from '../helpers/run-in-process.js'
import {stixValidators} from '../helpers/stix-schemas.js'

const EXIT = {FAILURE: 1, NOT_FOUND: 11, USAGE: 2}
const catalog = await readCatalog(shippedCatalogPath())
const validators = stixValidators()

type StixObject = Record<string, unknown> & {id: string; type: string}

function privateDir(t: TestContext): string {
  const dir = mkdtempSync(join(tmpdir(), 'decnet-export-'))
  t.after(() => rmSync(dir, {force: true, recursive: true}))
  return dir
}

async function decnet(t: TestContext, args: string[]): Promise<DecnetResult> {
  return runDecnet(t, args, {env: dataDirEnv(privateDir(t))})
}

/** What `decnet export ARGS --db URL` printed, run in this process (run-in-process.ts: a dozen runs); it must exit 0. */
async function exported(t: TestContext, url: string, args: string[]): Promise<string> {
  const result = await runInProcess(['export', ...args, '--db', url], {env: {...dataDirEnv(privateDir(t)), DECNET_DB_URL: undefined}})
  assert.equal(result.code, 0, result.stderr)
  return result.stdout
}

/** The references of a STIX object: every `*_ref` and `*_refs` value. */
function refsOf(object: StixObject): string[] {
  return Object.entries(object).flatMap(([key, value]) => (key.endsWith('_ref') ? [value as string] : key.endsWith('_refs') ? (value as string[]) : []))
}

for (const kind of DATABASE_KINDS) {
  describe(`decnet export stix (${kind})`, {skip: skipReason(kind)}, () => {
    it('writes a bundle whose every object is valid STIX 2.1 and whose every reference resolves', async (t) => {
      const url = await exportDatabase(t, kind)
      const text = await exported(t, url, ['stix', '--indicators'])
      const bundle = JSON.parse(text) as {id: string; objects: StixObject[]; type: string; x_decnet_attack_version: string}
      assert.deepEqual(validators.bundleProblems(bundle), [])
      for (const object of bundle.objects) assert.deepEqual(validators.problems(object), [], `${object.type} ${object.id}`)
      assert.equal(bundle.x_decnet_attack_version, '18.1')
      const ids = new Set(bundle.objects.map((object) => object.id))
      assert.equal(ids.size, bundle.objects.length, 'no object twice')
      for (const object of bundle.objects) for (const ref of refsOf(object)) assert.ok(ids.has(ref), `${object.id} -> ${ref}`)

      const of = (type: string) => bundle.objects.filter((object) => object.type === type)
      assert.deepEqual(of('identity').map((o) => o.name), ['decnet'])
      assert.deepEqual(of('ipv4-addr').map((o) => o.value).sort(), [B, A].sort())
      assert.deepEqual(of('ipv6-addr').map((o) => o.value), [C], 'an IPv6 attacker is an ipv6-addr')
      assert.equal(of('threat-actor').length, 3)
      const unixShell = catalog.technique('T1059.004')!
      const pattern = of('attack-pattern').find((o) => o.id === unixShell.stixId)
      assert.ok(pattern, 'the attack-pattern carries MITRE\'s STIX id')
      assert.deepEqual(pattern.external_references, [{external_id: 'T1059.004', source_name: 'mitre-attack', url: unixShell.url}])
      assert.deepEqual(pattern.kill_chain_phases, [{kill_chain_name: 'mitre-attack', phase_name: 'execution'}])
      assert.equal(of('attack-pattern').length, 5, 'T1082, T1059.004, T1003.008, T1110 and T1033, once each')
      const uses = of('relationship').filter((o) => o.relationship_type === 'uses')
      assert.equal(uses.length, 5)
      const brute = of('sighting').find((o) => o.sighting_of_ref === catalog.technique('T1110')!.stixId)
      assert.equal(brute?.count, 2)
      assert.equal(brute?.first_seen, '2026-11-26T10:00:00.000Z')
      assert.equal(brute?.last_seen, '2026-11-26T10:00:01.000Z')
      const [file] = of('file')
      assert.deepEqual(file.hashes, {'SHA-256': SHA}, 'hashes lower-cased')
      assert.equal(file.name, 'x"\n.sh')
      const commands = of('process').map((o) => o.command_line)
      assert.ok(commands.includes('uname -a') && commands.includes('cat /etc/shadow') && commands.includes('id'))
      const hostile = commands.find((command) => String(command).startsWith('echo'))
      assert.equal(hostile, HOSTILE_COMMAND, 'hostile text survives as JSON, whole')
      const accounts = of('user-account')
      assert.deepEqual(accounts.map((o) => o.account_login).sort(), ['root', HOSTILE_USER].sort())
      assert.deepEqual(accounts.map((o) => o.credential).sort(), ['hunter2', 'toor'])
      const actor = (ip: string) => of('threat-actor').find((o) => o.x_decnet_ip === ip)!
      assert.equal(actor(A).x_decnet_fingerprint_count, 3)
      const prints = actor(A).x_decnet_fingerprints as Array<{type: string; value: string; count: number}>
      assert.deepEqual(prints.map((p) => `${p.type} ${p.value} ${p.count}`).sort(), ['ja3 E7D705A3286E19EA42F587B344EE6865 1', 'ssh_client_banner SSH-2.0-Go 1', 'ssh_client_banner SSH-2.0-libssh_0.9.6 1'])
      assert.equal(actor(B).x_decnet_fingerprints, undefined, 'no fingerprints, no property')
      for (const ip of [A, B, C]) assert.equal(typeof actor(ip).x_decnet_behavior_class, 'string')
      assert.deepEqual(of('indicator').map((o) => o.pattern).sort(), [`[ipv4-addr:value = '${A}']`, `[ipv4-addr:value = '${B}']`, `[ipv6-addr:value = '${C}']`].sort())
    })

    it('names everything the same when run again, and leaves out indicators unless asked', async (t) => {
      const url = await exportDatabase(t, kind)
      const first = await exported(t, url, ['stix'])
      assert.equal(await exported(t, url, ['stix']), first)
      assert.ok(!first.includes('"type":"indicator"'))
    })
  })
}

for (const kind of DATABASE_KINDS) {
  describe(`decnet export json (${kind})`, {skip: skipReason(kind)}, () => {
    it('writes one line per attacker, each `attackers show --json` with the ATT&CK release', async (t) => {
      const url = await exportDatabase(t, kind)
      const lines = (await exported(t, url, ['json'])).split('\n')
      assert.equal(lines.pop(), '')
      const profiles = lines.map((line) => JSON.parse(line) as {attackVersion: string; ip: string})
      assert.deepEqual(profiles.map((p) => p.ip), [B, C, A].sort())
      for (const profile of profiles) {
        const shown = JSON.parse((await exported(t, url, ['json', profile.ip])).trim()) as Record<string, unknown>
        assert.deepEqual(shown, profile)
        const {attackVersion, ...rest} = profile
        assert.equal(attackVersion, '18.1')
        const show = await decnet(t, ['attackers', 'show', profile.ip, '--json', '--db', url])
        assert.deepEqual(rest, JSON.parse(show.stdout))
      }

      type Exported = {artifacts: unknown[]; behavior: null | {class: string}; commands: Array<{command: string}>; credentials: unknown[]; fingerprintCount: number; fingerprints: Array<{type: string; value: string}>}
      const [a, b, c] = [A, B, C].map((ip) => profiles.find((p) => p.ip === ip) as unknown as Exported)
      // the pages read fingerprints and behaviour for all their attackers at once: each gets its own
      assert.deepEqual(a.fingerprints.map((f) => f.value).sort(), ['E7D705A3286E19EA42F587B344EE6865', 'SSH-2.0-Go', 'SSH-2.0-libssh_0.9.6'])
      assert.equal(a.fingerprintCount, 3)
      assert.deepEqual(c.fingerprints.map((f) => f.value), ['not a hash" | x', 'SSH-2.0-Go'], 'family by family: ja3 before ssh_client_banner')
      assert.deepEqual([b.fingerprints, b.fingerprintCount], [[], 0])
      for (const profile of [a, b, c]) assert.equal(typeof profile.behavior?.class, 'string')
      assert.equal(a.commands.length, 3)
      assert.equal(a.commands[1].command, HOSTILE_COMMAND, 'the hostile command, whole')
      assert.equal(a.credentials.length, 2)
      assert.equal(a.artifacts.length, 1)
    })
  })
}

describe('decnet export misp', () => {
  it('writes one event with ip-src, file hashes and ATT&CK galaxy tags', async (t) => {
    const url = await exportDatabase(t, 'sqlite')
    const {Event: event} = JSON.parse(await exported(t, url, ['misp'])) as {Event: {Attribute: Array<Record<string, unknown>>; Object: Array<{Attribute: Array<{object_relation: string; value: string}>}>; Tag: Array<{name: string}>; uuid: string; date: string; info: string}}
    assert.match(event.info, /ATT&CK 18\.1/)
    assert.match(event.uuid, /^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/)
    assert.equal(event.date, '2026-11-26')
    const ofType = (type: string) => event.Attribute.filter((attribute) => attribute.type === type)
    assert.deepEqual(ofType('ip-src').map((a) => a.value).sort(), [A, B, C].sort())
    assert.deepEqual(ofType('filename|sha256').map((a) => a.value), [`x"\n.sh|${SHA}`])
    assert.ok(ofType('text').some((a) => a.value === HOSTILE_COMMAND))
    const tags = event.Tag.map((tag) => tag.name)
    assert.ok(tags.includes('misp-galaxy:mitre-attack-pattern="Unix Shell - T1059.004"'), tags.join('\n'))
    assert.ok(tags.includes('misp-galaxy:mitre-attack-pattern="Brute Force - T1110"'))
    assert.ok(tags.includes('decnet:attack-version="18.1"'))
    const ipA = ofType('ip-src').find((a) => a.value === A) as {Tag: Array<{name: string}>}
    assert.equal(ipA.Tag.length, 4, 'the attacker\'s own techniques tag its address')
    assert.equal(event.Object.length, 2)
    assert.deepEqual(ofType('ja3-fingerprint-md5').map((a) => a.value), [JA3], 'A\'s hash in lower case; C\'s malformed one left out')
    assert.ok(event.Object.some((object) => object.Attribute.some((a) => a.object_relation === 'username' && a.value === HOSTILE_USER)))
  })

  it('writes one event per attacker with --per-attacker', async (t) => {
    const url = await exportDatabase(t, 'sqlite')
    const {response} = JSON.parse(await exported(t, url, ['misp', '--per-attacker', A, C])) as {response: Array<{Event: {info: string; Attribute: Array<{type: string; value: string}>}}>}
    assert.deepEqual(response.map(({Event: event}) => event.Attribute.find((a) => a.type === 'ip-src')?.value), [C, A].sort())
  })
})

describe('decnet export navigator', () => {
  it('writes a layer 4.5 scored by attackers, with tactics, sub-techniques, a gradient and comments', async (t) => {
    const url = await exportDatabase(t, 'sqlite')
    const layer = JSON.parse(await exported(t, url, ['navigator'])) as {
      versions: Record<string, string>; domain: string; name: string; gradient: {colors: string[]; minValue: number; maxValue: number}
      techniques: Array<{techniqueID: string; tactic?: string; score?: number; comment: string; enabled: boolean; showSubtechniques: boolean; metadata: unknown[]}>
      metadata: Array<{name: string; value: string}>; layout: Record<string, unknown>; legendItems: unknown[]; filters: {platforms: string[]}
    }
    assert.deepEqual(layer.versions, {attack: '18', layer: '4.5', navigator: '5.1.0'})
    assert.equal(layer.domain, 'enterprise-attack')
    assert.ok(layer.metadata.some((m) => m.name === 'ATT&CK release' && m.value === '18.1'))
    const shortnames = new Set(catalog.data.tactics.map((tactic) => tactic.shortname))
    for (const technique of layer.techniques) {
      assert.match(technique.techniqueID, /^T\d{4}(\.\d{3})?$/)
      assert.ok(technique.tactic === undefined || shortnames.has(technique.tactic), technique.tactic)
      assert.equal(technique.enabled, true)
      assert.ok(Array.isArray(technique.metadata))
    }

    const cell = (id: string) => layer.techniques.find((technique) => technique.techniqueID === id)
    assert.equal(cell('T1059.004')?.tactic, 'execution')
    assert.equal(cell('T1059.004')?.score, 1)
    assert.equal(cell('T1059')?.showSubtechniques, true, 'a parent shows its scored sub-technique')
    assert.equal(cell('T1059')?.score, undefined)
    assert.match(cell('T1110')!.comment, /^1 attacker\(s\), 2 line\(s\): 203\.0\.113\.7 \(2\)$/)
    assert.equal(cell('T1033')?.tactic, 'discovery')
    assert.deepEqual([layer.gradient.minValue, layer.gradient.maxValue], [0, 1])
    assert.ok(layer.gradient.colors.length >= 2)
    assert.equal(layer.techniques.filter((technique) => technique.score !== undefined).length, 5)
  })
})

describe('decnet export: filters, errors and --output', () => {
  it('exports only the attackers named or seen in the window', async (t) => {
    const url = await exportDatabase(t, 'sqlite')
    const ips = async (args: string[]) => (await exported(t, url, ['json', ...args])).split('\n').filter(Boolean).map((line) => (JSON.parse(line) as {ip: string}).ip)
    assert.deepEqual(await ips(['2001:DB8:0::7']), [C], 'an IPv6 address as typed finds the stored one')
    assert.deepEqual(await ips(['--since', '2026-11-26T10:01:00Z']), [C, A].sort())
    assert.deepEqual(await ips(['--until', '2026-11-26T10:00:10Z']), [A])
    assert.deepEqual(await ips(['--since', '1h']), [], 'nothing seen in the last hour')
    const bundle = JSON.parse(await exported(t, url, ['stix', '--since', '1h'])) as {objects: StixObject[]}
    assert.deepEqual(bundle.objects.map((o) => o.type), ['identity'], 'an empty selection is still a valid bundle')
    assert.deepEqual(validators.bundleProblems(bundle), [])
  })

  it('exits 2 for an address or a time that is not one, 11 for an attacker never seen', async (t) => {
    const url = await exportDatabase(t, 'sqlite')
    const bad = await decnet(t, ['export', 'stix', 'not-an-ip', '--db', url])
    assert.equal(bad.code, EXIT.USAGE, bad.stderr)
    assert.match(unwrap(bad.stderr), /Expected an IPv4 or IPv6 address, got `not-an-ip`/)
    const since = await decnet(t, ['export', 'misp', '--since', 'yesterday', '--db', url])
    assert.equal(since.code, EXIT.USAGE)
    assert.match(unwrap(since.stderr), /Expected `--since` to be a duration/)
    const window = await decnet(t, ['export', 'json', '--since', '2026-11-27', '--until', '2026-11-26', '--db', url])
    assert.equal(window.code, EXIT.USAGE)
    const unknown = await decnet(t, ['export', 'navigator', A, '192.0.2.1', '--db', url])
    assert.equal(unknown.code, EXIT.NOT_FOUND, unknown.stderr)
    assert.match(unwrap(unknown.stderr), /no attacker 192\.0\.2\.1/)
    assert.equal(unknown.stdout, '', 'nothing written')
  })

  it('writes --output to a 0600 file renamed into place, and refuses a symbolic link', async (t) => {
    const url = await exportDatabase(t, 'sqlite')
    const dir = privateDir(t)
    const out = join(dir, 'bundle.json')
    const written = await decnet(t, ['export', 'stix', '--output', out, '--db', url])
    assert.equal(written.code, 0, written.stderr)
    assert.equal(written.stdout, '')
    assert.match(unwrap(written.stderr), /wrote 3 attacker\(s\) to .*bundle\.json \(ATT&CK 18\.1\)/)
    assert.equal(lstatSync(out).mode & 0o777, 0o600)
    assert.deepEqual(validators.bundleProblems(JSON.parse(readFileSync(out, 'utf8'))), [])

    const target = join(dir, 'target')
    writeFileSync(target, 'keep me')
    const link = join(dir, 'link.json')
    symlinkSync(target, link)
    const refused = await decnet(t, ['export', 'json', '-o', link, '--db', url])
    assert.equal(refused.code, EXIT.FAILURE, refused.stderr)
    assert.match(unwrap(refused.stderr), /is a symbolic link; refusing to write the export through it/)
    assert.equal(readFileSync(target, 'utf8'), 'keep me')
    assert.ok(lstatSync(link).isSymbolicLink())
    const missing = await decnet(t, ['export', 'json', '-o', join(dir, 'no', 'such', 'x.json'), '--db', url])
    assert.equal(missing.code, EXIT.FAILURE)
    assert.deepEqual(readdirSync(dir).sort(), ['bundle.json', 'link.json', 'target'], 'no temporary file left behind')
    assert.ok(!existsSync(join(dir, 'no')))
  })
})
