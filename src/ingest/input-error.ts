/** Why an input could not be ingested: `unreadable` (missing, a directory, no permission, read error) or `binary`. */
export type InputErrorKind = 'unreadable' | 'binary'

/** An input (a file, or `-` for standard input) that could not be read as log text. */
export class InputError extends Error {
  readonly kind: InputErrorKind
  /** The file as named on the command line, or `-`. */
  readonly source: string
  /** The system error code when there is one (`ENOENT`, `EACCES`, `EISDIR`, ...). */
  readonly code: string | undefined

  constructor(kind: InputErrorKind, source: string, message: string, options: {code?: string; cause?: unknown} = {}) {
    super(message, {cause: options.cause})
    this.name = 'InputError'
    this.kind = kind
    this.source = source
    this.code = options.code
  }
}

/** An {@link InputError} from a failed open or read, in plain words. */
export function unreadable(source: string, error: unknown): InputError {
  const code = (error as NodeJS.ErrnoException)?.code
  const name = source === '-' ? 'standard input' : source
  const why =
    code === 'ENOENT'
      ? 'no such file'
      : code === 'EACCES' || code === 'EPERM'
        ? 'permission denied'
        : code === 'EISDIR'
          ? 'is a directory'
          : (error as Error)?.message ?? String(error)
  return new InputError('unreadable', source, `cannot read ${name}: ${why}`, {code, cause: error})
}
