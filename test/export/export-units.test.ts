// The pure pieces of the exports: UUIDv5 against RFC 9562's example and Python's uuid5, STIX's
// SCO ids, time bounds, MISP galaxy names, and the output file's all-or-nothing write.
import assert from 'node:assert/strict'
import {lstatSync, mkdtempSync, readdirSync, readFileSync, rmSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {describe, it} from 'node:test'

import {exportFilter, timeBound} from '../../src/cli/export-flags.js'
import {FlagValueError} from '../../src/cli/seconds.js'
import {openExportOutput} from '../../src/export/export-output.js'
import {galaxyTag} from '../../src/export/misp-event.js'
import {canonicalJson, stixTime} from '../../src/export/stix-objects.js'
import {labelTechnique} from '../../src/export/technique-label.js'
import {uuidV5} from '../../src/export/uuid-v5.js'
import {readCatalog, shippedCatalogPath} from '../../src/ttp/attack-catalog.js'

const catalog = await readCatalog(shippedCatalogPath())

describe('uuidV5', () => {
  it('gives the RFC\'s and Python\'s UUIDs', () => {
    assert.equal(uuidV5('6ba7b810-9dad-11d1-80b4-00c04fd430c8', 'www.example.com'), '2ed6657d-e927-568b-95e1-2665a8aea6a2')
    // STIX 2.1 SCO id of 198.51.100.3: python3 -c 'import uuid; print(uuid.uuid5(uuid.UUID("00abedb4-aa42-41fe-9b6d-32a8e6c6f1f8"), "{\"value\":\"198.51.100.3\"}"))'
    assert.equal(uuidV5('00abedb4-aa42-41fe-9b6d-32a8e6c6f1f8', canonicalJson({value: '198.51.100.3'})), 'e54f2470-e153-546a-9bc1-67b057ef1bc2')
  })

  it('refuses a namespace that is not a UUID', () => {
    assert.throws(() => uuidV5('nope', 'x'), RangeError)
  })
})

describe('canonicalJson and stixTime', () => {
  it('sorts keys at every depth', () => {
    assert.equal(canonicalJson({name: 'x', hashes: {'SHA-256': 'ab', MD5: 'cd'}}), '{"hashes":{"MD5":"cd","SHA-256":"ab"},"name":"x"}')
  })

  it('writes milliseconds and Z, and the epoch for a time that does not parse', () => {
    assert.equal(stixTime('2026-11-26T10:00:00Z'), '2026-11-26T10:00:00.000Z')
    assert.equal(stixTime('garbage'), '1970-01-01T00:00:00.000Z')
  })
})

describe('time bounds and the filter', () => {
  const now = Date.parse('2026-12-07T12:00:00Z')
  it('reads durations back from now and ISO times', () => {
    assert.equal(timeBound('--since', '24h', now), '2026-12-06T12:00:00.000Z')
    assert.equal(timeBound('--since', '90s', now), '2026-12-07T11:58:30.000Z')
    assert.equal(timeBound('--since', '2w', now), '2026-11-23T12:00:00.000Z')
    assert.equal(timeBound('--until', '2026-12-01', now), '2026-12-01T00:00:00.000Z')
    assert.equal(timeBound('--until', '2026-12-01T08:00:00+02:00', now), '2026-12-01T06:00:00.000Z')
  })

  it('names the flag and what it got', () => {
    assert.throws(() => timeBound('--since', 'yesterday', now), (error: unknown) => error instanceof FlagValueError && /`--since`.*got `yesterday`/.test(error.message))
    assert.throws(() => timeBound('--since', '-1h', now), FlagValueError)
    assert.throws(() => exportFilter(['1.2.3.4.5'], {}, now), /Expected an IPv4 or IPv6 address, got `1\.2\.3\.4\.5`/)
    assert.throws(() => exportFilter([], {since: '1h', until: '2h'}, now), /`--until`.*at or after `--since`/)
  })

  it('stores IPs as ingest does, once each', () => {
    assert.deepEqual(exportFilter(['2001:DB8:0::7', '2001:db8::7', '203.0.113.7'], {}, now), {ips: ['2001:db8::7', '203.0.113.7']})
    assert.deepEqual(exportFilter([], {}, now), {})
  })
})

describe('technique labels and MISP galaxy names', () => {
  it('takes MITRE\'s STIX id and follows revocations', () => {
    const label = labelTechnique(catalog, 'T1059.004')
    assert.equal(label.stixId, catalog.technique('T1059.004')!.stixId)
    const revoked = catalog.data.techniques.find((technique) => technique.revoked && technique.revokedBy !== null)!
    const followed = labelTechnique(catalog, revoked.id)
    assert.equal(followed.revokedId, revoked.id)
    assert.equal(followed.id, catalog.current(revoked.id)!.id)
    const unknown = labelTechnique(catalog, 'T9999')
    assert.equal(unknown.known, false)
    assert.match(unknown.stixId, /^attack-pattern--[0-9a-f-]{36}$/)
  })

  it('names a sub-technique by its own name, as MISP\'s galaxy does', () => {
    assert.equal(galaxyTag(catalog, 'T1059.004').name, 'misp-galaxy:mitre-attack-pattern="Unix Shell - T1059.004"')
    assert.equal(galaxyTag(catalog, 'T1110').name, 'misp-galaxy:mitre-attack-pattern="Brute Force - T1110"')
  })
})

describe('openExportOutput', () => {
  it('puts the file in place only when finished, and leaves nothing when aborted', async (t) => {
    const dir = mkdtempSync(join(tmpdir(), 'decnet-export-out-'))
    t.after(() => rmSync(dir, {force: true, recursive: true}))
    const path = join(dir, 'out.json')
    const out = await openExportOutput(path, async () => assert.fail('not standard output'))
    await out.write('x'.repeat(100_000))
    assert.throws(() => lstatSync(path), /ENOENT/, 'not in place before finish')
    await out.finish()
    assert.equal(readFileSync(path, 'utf8').length, 100_000)
    const failed = await openExportOutput(path, async () => {})
    await failed.write('half')
    await failed.abort()
    assert.equal(readFileSync(path, 'utf8').length, 100_000, 'the old file stays')
    assert.deepEqual(readdirSync(dir), ['out.json'])
  })

  it('gathers standard output into few writes', async () => {
    const writes: string[] = []
    const out = await openExportOutput(undefined, async (text) => {
      writes.push(text)
    })
    for (let i = 0; i < 10_000; i++) await out.write('0123456789')
    await out.finish()
    assert.equal(writes.join('').length, 100_000)
    assert.ok(writes.length <= 2, `${writes.length} writes`)
  })
})
