/** A GeoIP or ASN database file decnet cannot use: unreadable, not a MaxMind DB, or of the wrong kind. */
export class GeoDatabaseError extends Error {
  /** The file named. */
  readonly file: string

  constructor(file: string, problem: string) {
    super(`${file}: ${problem}`)
    this.name = 'GeoDatabaseError'
    this.file = file
  }
}
