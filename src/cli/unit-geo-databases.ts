/**
 * `decnet fleet unit --geoip-db FILE --asn-db FILE`: the files, checked and
 * made absolute, for the unit's ExecStart and sandbox.
 */
import {statSync} from 'node:fs'
import {resolve} from 'node:path'

import type {GeoDatabasePaths} from '../systemd/index.js'

/**
 * The GeoIP and ASN files, absolute, once read as the profiler reads them: a
 * wrong file is refused here, not by a service that restarts forever.
 *
 * @throws GeoDatabaseError naming the file and what was expected.
 */
export async function checkedGeoDatabases(flags: {readonly 'asn-db'?: string; readonly 'geoip-db'?: string}): Promise<GeoDatabasePaths | undefined> {
  if (flags['geoip-db'] === undefined && flags['asn-db'] === undefined) return undefined
  const geoip = flags['geoip-db'] === undefined ? undefined : resolve(flags['geoip-db'])
  const asn = flags['asn-db'] === undefined ? undefined : resolve(flags['asn-db'])
  const {GeoLookup} = await import('../enrich/geo-lookup.js')
  await GeoLookup.open({asn, geoip})
  return {asn, geoip}
}

/** A dynamic user is nobody's owner or group: it reads only what others may read. */
export function unreadableByOthers(geo: GeoDatabasePaths | undefined, user: string | undefined): string[] {
  if (user !== undefined || geo === undefined) return []
  return [geo.geoip, geo.asn]
    .filter((path): path is string => path !== undefined && (statSync(path).mode & 0o004) === 0)
    .map((path) => `${path} is not readable by others: the service's dynamic user cannot read it (chmod o+r, or --user NAME)`)
}
