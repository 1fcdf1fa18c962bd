/**
 * Offline enrichment of attacker IPs: country and autonomous system from
 * MaxMind-format databases (.mmdb) the operator provides: GeoLite2 or
 * GeoIP2 Country/City and ASN, DB-IP's Lite files. Nothing is looked up over
 * the network.
 */
import type {AsnResponse, CountryResponse} from 'maxmind'

import {readFile} from 'node:fs/promises'

import {Reader} from 'maxmind'

import {GeoDatabaseError} from './errors.js'

/** What the databases say of one IP; each part null when its database is not given or has no answer. */
export interface GeoAnswer {
  /** ISO 3166-1 alpha-2 country code (`GB`): where the IP is, else where it is registered. */
  country: null | string
  asn: null | number
  asName: null | string
}

/** The files to read; either may be left out. */
export interface GeoFiles {
  /** A country or city database (`GeoLite2-Country.mmdb`, `GeoLite2-City.mmdb`, `dbip-country-lite.mmdb`). */
  geoip?: string
  /** An ASN database (`GeoLite2-ASN.mmdb`, `dbip-asn-lite.mmdb`). */
  asn?: string
}

/** The database types (MaxMind's `database_type` metadata) each file may have. */
const COUNTRY_TYPES = /country|city|enterprise/i
const ASN_TYPES = /asn|isp/i

/**
 * Both databases, open in memory, answering {@link GeoLookup.lookup}.
 *
 * @example
 * ```ts
 * const geo = await GeoLookup.open({geoip: '/var/lib/GeoIP/GeoLite2-Country.mmdb'})
 * geo.lookup('2.125.160.216') // {country: 'GB', asn: null, asName: null}
 * ```
 */
export class GeoLookup {
  /** Which files, of which build: names a state of enrichment (a new build of either file is another). */
  readonly identity: string
  readonly #country: Reader<CountryResponse> | undefined
  readonly #asn: Reader<AsnResponse> | undefined

  private constructor(country: Reader<CountryResponse> | undefined, asn: Reader<AsnResponse> | undefined) {
    this.#country = country
    this.#asn = asn
    this.identity = [country, asn].map((reader) => (reader === undefined ? '-' : `${reader.metadata.databaseType}@${reader.metadata.buildEpoch.getTime() / 1000}`)).join(',')
  }

  /**
   * Reads the files given.
   *
   * @throws GeoDatabaseError naming the file when it cannot be read, is not a MaxMind DB, or is of the wrong kind (an ASN file given as the country database).
   */
  static async open(files: GeoFiles): Promise<GeoLookup> {
    const [country, asn] = await Promise.all([
      files.geoip === undefined ? undefined : openReader<CountryResponse>(files.geoip, COUNTRY_TYPES, 'a country or city database (GeoLite2-Country, GeoLite2-City, DB-IP country)'),
      files.asn === undefined ? undefined : openReader<AsnResponse>(files.asn, ASN_TYPES, 'an ASN database (GeoLite2-ASN, DB-IP ASN)'),
    ])
    return new GeoLookup(country, asn)
  }

  /** What the databases say of `ip`; undefined when neither knows it or `ip` is not an IP address. */
  lookup(ip: string): GeoAnswer | undefined {
    let place: CountryResponse | null = null
    let network: AsnResponse | null = null
    try {
      place = this.#country?.get(ip) ?? null
      network = this.#asn?.get(ip) ?? null
    } catch {
      return undefined // not an IP address (the reader refuses it)
    }

    const country = place?.country?.iso_code ?? place?.registered_country?.iso_code ?? null
    const asn = network?.autonomous_system_number ?? null
    if (country === null && asn === null) return undefined
    return {asn, asName: network?.autonomous_system_organization ?? null, country}
  }
}

async function openReader<T extends AsnResponse | CountryResponse>(file: string, types: RegExp, expected: string): Promise<Reader<T>> {
  let bytes: Buffer
  try {
    bytes = await readFile(file)
  } catch (error) {
    throw new GeoDatabaseError(file, `cannot read it (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`)
  }

  let reader: Reader<T>
  try {
    reader = new Reader<T>(bytes)
  } catch (error) {
    throw new GeoDatabaseError(file, `not a MaxMind DB file (.mmdb): ${(error as Error).message}`)
  }

  const type = reader.metadata.databaseType
  if (!types.test(type)) throw new GeoDatabaseError(file, `is a ${JSON.stringify(type)} database; expected ${expected}`)
  return reader
}
