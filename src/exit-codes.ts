/**
 * The one table of exit codes. Only commands turn errors into these; library
 * code throws. Documented in the README ("Exit codes"); keep the two in step.
 */
export const ExitCode = Object.freeze({
  /** Success, or a fleet stopped cleanly. */
  OK: 0,
  /** An unexpected failure. */
  FAILURE: 1,
  /** Bad usage: unknown fleet, bad flag value (oclif also uses 2 for parse errors). */
  USAGE: 2,
  /** Refused to run with more privilege than the fleet needs (e.g. a database-only fleet as root). */
  PRIVILEGE_REFUSED: 3,
  /** A worker could not boot (module missing, export not a function, import threw): the fleet halted. */
  WORKER_BOOT_FAILED: 4,
  /** The fleet stopped, but some workers had to be killed after the grace period. */
  STOP_FORCED: 5,
  /** `--once`: at least one worker failed. */
  ONCE_FAILED: 6,
  /** A child held more privilege than its fleet's profile allows: the fleet was stopped. */
  PRIVILEGE_EXCEEDED: 7,
  /** An input file is missing or unreadable. */
  INPUT_UNREADABLE: 8,
  /** An input is not text (binary junk). */
  INPUT_BINARY: 9,
  /** The database could not be opened, reached or migrated. */
  DATABASE: 10,
  /** The thing asked for does not exist (e.g. an unknown attacker IP). */
  NOT_FOUND: 11,
  /** A fleet of that name is already running (a second `decnet fleet NAME --daemon`); the message names its pid. */
  ALREADY_RUNNING: 12,
  /** A wait ran out of time: `fleet stop --timeout` passed, or a `--daemon` fleet was not ready in time. */
  TIMEOUT: 13,
  /** `--webhook` cannot be used: the URL is not http:// or https://, or the signing secret cannot be read (or is missing or empty). */
  WEBHOOK: 14,
  /** Stopped by SIGINT after committing what it had (128 + 2, as a shell reports it): `decnet ingest`. */
  INTERRUPTED: 130,
  /** Stopped by SIGTERM after committing what it had (128 + 15): `decnet ingest`. */
  TERMINATED: 143,
})

/** One of the values of {@link ExitCode}. */
export type ExitCodeValue = (typeof ExitCode)[keyof typeof ExitCode]
