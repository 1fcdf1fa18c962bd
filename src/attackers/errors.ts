/**
 * `decnet attackers show IP` asked for an address the database holds no
 * profile of (never seen, or not profiled yet). `decnet` exits 11 (NOT_FOUND).
 *
 * @example
 * ```ts
 * throw new UnknownAttackerError('203.0.113.7') // "no attacker 203.0.113.7 in the database"
 * ```
 */
export class UnknownAttackerError extends Error {
  /** The address asked for, as stored (IPv6 compressed, lower case). */
  readonly ip: string

  constructor(ip: string) {
    super(`no attacker ${ip} in the database`)
    this.name = 'UnknownAttackerError'
    this.ip = ip
  }
}
