import assert from 'node:assert/strict'
import {join} from 'node:path'
import {describe, it} from 'node:test'

import type {Kysely} from 'kysely'

import {GeoLookup} from '../../../src/enrich/geo-lookup.js'
import type {Database, NewLog} from '../../../src/db/schema.js'
import {GeoEnricher} from '../../../src/workers/profiler/geo-enricher.js'
import {DATABASE_KINDS, migratedDatabase, skipReason} from '../../helpers/databases.js'
import {insertLogs} from '../../helpers/profiler-logs.js'

const FIXTURES = new URL('../../fixtures/geoip/', import.meta.url).pathname
const files = {asn: join(FIXTURES, 'GeoLite2-ASN-Test.mmdb'), geoip: join(FIXTURES, 'GeoLite2-Country-Test.mmdb')}

/** Known to the test databases (a country, an AS, both, IPv6); then unknown, hostile text (ingest stores no NUL), no IP. */
const IPS = ['2.125.160.216', '1.0.0.1', '81.2.69.160', '216.160.83.56', '10.0.0.1', '2001:218::1', "x\u001b[2J'; drop table logs; --", null] as const

function logs(count: number): NewLog[] {
  return Array.from({length: count}, (_, i) => {
    const ip = IPS[i % IPS.length]
    return {attacker_ip: ip, decky: 'decky-01', event_type: 'connect', fields: '{}', msg: null, raw_line: `line ${i}`, service: 'ssh', timestamp: new Date(Date.UTC(2026, 11, 1, 0, 0, i)).toISOString()}
  })
}

async function stored(db: Kysely<Database>): Promise<Array<{ip: string; country: null | string; asn: null | number; as_name: null | string}>> {
  return db.selectFrom('attacker_geo').select(['ip', 'country', 'asn', 'as_name']).orderBy('ip').execute()
}

for (const kind of DATABASE_KINDS) {
  describe(`GeoEnricher (${kind})`, {skip: skipReason(kind)}, () => {
    it('stores what the databases say of every logged IP they know, and moves its cursor with them', async (t) => {
      const {db} = await migratedDatabase(kind, t)
      await insertLogs(db, logs(40))
      const geo = await GeoLookup.open(files)
      const enricher = new GeoEnricher(db, geo)
      assert.deepEqual(await enricher.drain(), {lines: 40, written: 5})
      // what the lookup (checked against MaxMind's source data in test/enrich) says, for the IPs it knows
      const known = [...new Set(IPS)].flatMap((ip) => {
        const answer = ip === null ? undefined : geo.lookup(ip)
        return answer === undefined ? [] : [{as_name: answer.asName, asn: answer.asn, country: answer.country, ip: ip!}]
      })
      assert.deepEqual(known.map((row) => row.ip), ['2.125.160.216', '1.0.0.1', '81.2.69.160', '216.160.83.56', '2001:218::1'])
      assert.ok(known.some((row) => row.country !== null && row.asn === null) && known.some((row) => row.country === null && row.asn !== null))
      assert.deepEqual(await stored(db), known.sort((a, b) => (a.ip < b.ip ? -1 : 1)))
      const cursor = await db.selectFrom('worker_state').select('cursor').where('worker', '=', enricher.cursorName).executeTakeFirstOrThrow()
      assert.equal(Number(cursor.cursor), 40)
      // nothing new: nothing read, nothing written
      assert.deepEqual(await enricher.drain(), {lines: 0, written: 0})
    })

    it('gives the same rows in ticks of any size, and a fresh instance (a restart) adds nothing new', async (t) => {
      const {db: whole} = await migratedDatabase(kind, t)
      const {db: sliced} = await migratedDatabase(kind, t)
      const rows = logs(50)
      await insertLogs(whole, rows)
      await insertLogs(sliced, rows.slice(0, 23))
      const geo = await GeoLookup.open(files)
      await new GeoEnricher(whole, geo).drain()
      const first = new GeoEnricher(sliced, geo, 3)
      await first.drain()
      await insertLogs(sliced, rows.slice(23))
      const again = new GeoEnricher(sliced, geo, 7)
      const pass = await again.drain()
      assert.equal(pass.lines, 27)
      assert.deepEqual(await stored(sliced), await stored(whole))
    })

    it('looks every IP up again with a new database build (another cursor), replacing the old answers', async (t) => {
      const {db} = await migratedDatabase(kind, t)
      await insertLogs(db, logs(16))
      await new GeoEnricher(db, await GeoLookup.open({geoip: files.geoip})).drain()
      assert.equal((await stored(db)).find((row) => row.ip === '1.0.0.1'), undefined)
      const both = new GeoEnricher(db, await GeoLookup.open(files))
      assert.equal((await both.drain()).lines, 16)
      assert.equal((await stored(db)).find((row) => row.ip === '1.0.0.1')?.asn, 15_169)
      const sources = await db.selectFrom('attacker_geo').select('source').distinct().execute()
      assert.deepEqual(sources.map((row) => row.source), [both.cursorName.slice('geo:'.length)])
    })
  })
}
