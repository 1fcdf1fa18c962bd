/** The spool cannot be used: its directory or a file in it is not what decnet made, or a write failed. */
export class SpoolError extends Error {
  constructor(message: string, options?: {cause?: unknown}) {
    super(message, options)
    this.name = 'SpoolError'
  }
}
