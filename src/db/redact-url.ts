/**
 * The PostgreSQL URL with its password replaced by `***`, for messages.
 * Its own module: both the URL parser (`url.ts`) and the error mapping
 * (`errors.ts`) print URLs, and neither may import the other back.
 *
 * @example
 * ```ts
 * redactUrl('postgres://decnet:secret@db/decnet') // 'postgres://decnet:***@db/decnet'
 * ```
 */
export function redactUrl(url: string): string {
  try {
    const parsed = new URL(url)
    if (parsed.password) parsed.password = '***'
    return parsed.toString()
  } catch {
    // not a URL (e.g. half-typed): still hide anything shaped like user:password@
    return url.replace(/:\/\/([^:@/]*):[^@/]*@/, '://$1:***@')
  }
}
