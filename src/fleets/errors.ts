/**
 * `decnet fleet NAME` named no fleet the registry knows.
 *
 * @example
 * ```ts
 * try { findFleet(catalog, 'nope') } catch (error) {
 *   if (error instanceof UnknownFleetError) console.error(error.message, error.known)
 * }
 * ```
 */
export class UnknownFleetError extends Error {
  /** The name asked for. */
  readonly fleet: string
  /** The names of the usable fleets, sorted. */
  readonly known: string[]

  constructor(fleet: string, known: readonly string[], message?: string) {
    super(message ?? `unknown fleet '${fleet}'; known fleets: ${known.length > 0 ? known.join(', ') : '(none)'}`)
    this.name = 'UnknownFleetError'
    this.fleet = fleet
    this.known = [...known]
  }
}

/**
 * A fleet of that name was declared but cannot be used (it is invalid, or two
 * plugins declare it). A kind of {@link UnknownFleetError}, so callers that
 * only care whether the fleet exists can catch that one.
 */
export class UnusableFleetError extends UnknownFleetError {
  /** What is wrong, one line per problem. */
  readonly reasons: string[]

  constructor(fleet: string, known: readonly string[], reasons: readonly string[]) {
    super(fleet, known, `fleet '${fleet}' is unusable: ${reasons.join('; ')}`)
    this.name = 'UnusableFleetError'
    this.reasons = [...reasons]
  }
}
