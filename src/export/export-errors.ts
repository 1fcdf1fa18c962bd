/** An export that cannot be written where it was asked to go (a symbolic link, a missing directory, a write that failed); the message names the path. */
export class ExportOutputError extends Error {
  override readonly name = 'ExportOutputError'
}
