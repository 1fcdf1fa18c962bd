/**
 * A systemd unit cannot be written for these inputs (a `--user` that would
 * carry more than the fleet's profile, a password in `--db`, a path the
 * service could not see). Always the operator's to fix: the command exits
 * with the usage code.
 *
 * @example
 * ```ts
 * try { buildFleetUnit(input) } catch (error) {
 *   if (error instanceof FleetUnitError) this.error(error.message, {exit: ExitCode.USAGE})
 * }
 * ```
 */
export class FleetUnitError extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'FleetUnitError'
  }
}
