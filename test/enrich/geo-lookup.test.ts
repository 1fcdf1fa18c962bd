import assert from 'node:assert/strict'
import {readFileSync, symlinkSync, mkdtempSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {describe, it} from 'node:test'

import {GeoDatabaseError} from '../../src/enrich/errors.js'
import {GeoLookup} from '../../src/enrich/geo-lookup.js'

const FIXTURES = new URL('../fixtures/geoip/', import.meta.url).pathname
const COUNTRY = join(FIXTURES, 'GeoLite2-Country-Test.mmdb')
const CITY = join(FIXTURES, 'GeoLite2-City-Test.mmdb')
const ASN = join(FIXTURES, 'GeoLite2-ASN-Test.mmdb')

interface CountrySource {
  country?: {iso_code?: string}
  registered_country?: {iso_code?: string}
}

interface AsnSource {
  autonomous_system_number?: number
  autonomous_system_organization?: string
}

/** The networks of a source JSON (a list of one-key objects), each with its record. */
function networks<T>(file: string): Array<[string, T]> {
  const entries = JSON.parse(readFileSync(join(FIXTURES, file), 'utf8')) as Array<Record<string, T>>
  return entries.flatMap((entry) => Object.entries(entry))
}

describe('GeoLookup', () => {
  it('gives the country the source data gives for the first address of every network (IPv4 and IPv6)', async () => {
    const geo = await GeoLookup.open({geoip: COUNTRY})
    const entries = networks<CountrySource>('GeoLite2-Country-Test.json')
    let checked = 0
    for (const [cidr, record] of entries) {
      const expected = record.country?.iso_code ?? record.registered_country?.iso_code ?? null
      const address = cidr.split('/')[0]
      const answer = geo.lookup(address)
      assert.equal(answer?.country ?? null, expected, `${cidr}: ${JSON.stringify(answer)}`)
      assert.equal(answer?.asn ?? null, null)
      checked++
    }

    assert.ok(checked > 200, `checked ${checked}`)
    assert.ok(entries.some(([cidr]) => cidr.includes(':')))
  })

  it('gives the AS number and name the source data gives', async () => {
    const geo = await GeoLookup.open({asn: ASN})
    for (const [cidr, record] of networks<AsnSource>('GeoLite2-ASN-Test.json')) {
      const answer = geo.lookup(cidr.split('/')[0])
      assert.equal(answer?.asn ?? null, record.autonomous_system_number ?? null, cidr)
      assert.equal(answer?.asName ?? null, record.autonomous_system_organization ?? null, cidr)
      assert.equal(answer?.country ?? null, null)
    }
  })

  it('reads a city database as the country database, and both files together', async () => {
    const geo = await GeoLookup.open({asn: ASN, geoip: CITY})
    assert.equal(geo.lookup('2.125.160.216')?.country, 'GB')
    assert.deepEqual(geo.lookup('1.0.0.1'), {asn: 15_169, asName: 'Google Inc.', country: null})
    assert.match(geo.identity, /^GeoLite2-City@\d+,GeoLite2-ASN@\d+$/)
  })

  it('answers nothing for an address neither knows, and for text that is not an address', async () => {
    const geo = await GeoLookup.open({asn: ASN, geoip: COUNTRY})
    for (const ip of ['10.0.0.1', '::1', 'not-an-ip', '203.0.113.7:22', '', '1.2.3.4\u0000']) assert.equal(geo.lookup(ip), undefined, ip)
  })

  it('refuses a file of the wrong kind, one that is not a MaxMind DB, and one it cannot read, naming the file', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'decnet-geo-'))
    const text = join(dir, 'countries.mmdb')
    writeFileSync(text, 'GB,US\n'.repeat(1000))
    const link = join(dir, 'link.mmdb')
    symlinkSync(join(dir, 'missing.mmdb'), link)
    const cases: Array<[Parameters<typeof GeoLookup.open>[0], string, RegExp]> = [
      [{geoip: ASN}, ASN, /"GeoLite2-ASN" database; expected a country or city database/],
      [{asn: COUNTRY}, COUNTRY, /"GeoLite2-Country" database; expected an ASN database/],
      [{geoip: text}, text, /not a MaxMind DB file/],
      [{asn: join(dir, 'absent.mmdb')}, join(dir, 'absent.mmdb'), /cannot read it \(ENOENT\)/],
      [{geoip: link}, link, /cannot read it \(ENOENT\)/],
    ]
    for (const [files, file, message] of cases) {
      await assert.rejects(GeoLookup.open(files), (error: unknown) => {
        assert.ok(error instanceof GeoDatabaseError)
        assert.equal(error.file, file)
        assert.ok(error.message.startsWith(`${file}: `), error.message)
        assert.match(error.message, message)
        return true
      })
    }
  })
})
