// The heavy fleet with the operator's GeoIP and ASN databases: `decnet ingest`,
// `decnet fleet heavy --once --geoip-db FILE --asn-db FILE`, then `decnet
// attackers --country` and `attackers show`, against what the databases say.
import assert from 'node:assert/strict'
import {mkdtempSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {describe, it, type TestContext} from 'node:test'

import {GeoLookup} from '../../src/enrich/geo-lookup.js'
import {EXIT, REPO, dataDirEnv, runDecnet, unwrap} from '../helpers/decnet-cli.js'

const FIXTURES = join(REPO, 'test', 'fixtures', 'geoip')
const COUNTRY = join(FIXTURES, 'GeoLite2-Country-Test.mmdb')
const ASN = join(FIXTURES, 'GeoLite2-ASN-Test.mmdb')
const IPS = ['2.125.160.216', '81.2.69.160', '216.160.83.56', '1.0.0.1', '10.0.0.1', '2001:218::1']
/** Root must say it means it; an ordinary user runs the fleet as itself. */
const AS_ROOT = process.getuid?.() === 0 ? ['--allow-root'] : []

function dataDir(t: TestContext): string {
  const dir = mkdtempSync(join(tmpdir(), 'decnet-geo-e2e-'))
  t.after(() => rmSync(dir, {force: true, recursive: true}))
  return dir
}

describe('decnet fleet heavy --geoip-db --asn-db (SQLite)', () => {
  it('adds country and AS to the profiles the databases know, and --country finds them', async (t) => {
    const dir = dataDir(t)
    const env = dataDirEnv(dir)
    const log = join(dir, 'decky.log')
    writeFileSync(log, IPS.map((ip, i) => `<38>1 2026-12-01T10:00:0${i}Z decky-01 ssh - login_failed [relay@55555 src_ip="${ip}" username="root"] failed\n`).join(''))
    assert.equal((await runDecnet(t, ['ingest', log], {env})).code, EXIT.OK)
    const fleet = await runDecnet(t, ['fleet', 'heavy', '--once', ...AS_ROOT, '--geoip-db', COUNTRY, '--asn-db', ASN], {env, timeoutMs: 120_000})
    assert.equal(fleet.code, EXIT.OK, fleet.stderr)

    const geo = await GeoLookup.open({asn: ASN, geoip: COUNTRY})
    const answers = new Map(IPS.map((ip) => [ip, geo.lookup(ip)]))
    const british = IPS.filter((ip) => answers.get(ip)?.country === 'GB')
    assert.deepEqual(british, ['2.125.160.216', '81.2.69.160'])
    const listed = await runDecnet(t, ['attackers', '--country', 'GB', '--json'], {env})
    const page = JSON.parse(listed.stdout) as {attackers: Array<{ip: string}>; total: number}
    assert.deepEqual(page.attackers.map((p) => p.ip).sort(), british.sort())
    assert.equal(page.total, 2)
    for (const ip of IPS) {
      const shown = JSON.parse((await runDecnet(t, ['attackers', 'show', ip, '--json'], {env})).stdout) as {asName: null | string; asn: null | number; country: null | string}
      const answer = answers.get(ip)
      assert.deepEqual([shown.country, shown.asn, shown.asName], [answer?.country ?? null, answer?.asn ?? null, answer?.asName ?? null], ip)
    }
  })

  it('refuses a file of the wrong kind before starting anything (exit 8, naming the file)', async (t) => {
    const env = dataDirEnv(dataDir(t))
    const run = await runDecnet(t, ['fleet', 'heavy', '--once', ...AS_ROOT, '--geoip-db', ASN], {env})
    assert.equal(run.code, 8, run.stderr)
    assert.match(unwrap(run.stderr), /GeoLite2-ASN-Test\.mmdb: is a "GeoLite2-ASN" database; expected a country or city database/)
    assert.doesNotMatch(run.stderr, /worker \w+ ready/)
  })
})
