import createDebug from 'debug'

const debug = createDebug('decnet:logs')

/** A log row's `fields`: the JSON text stored in the database, or an already-parsed object. */
export type FieldsInput = string | Readonly<Record<string, unknown>> | null | undefined

/**
 * The `fields` of a log row as an object. JSON text that is not an object
 * (a damaged row, a foreign log store) reads as no fields at all.
 */
export function readFields(fields: FieldsInput): Readonly<Record<string, unknown>> {
  if (fields === null || fields === undefined || fields === '') return {}
  if (typeof fields !== 'string') return fields
  try {
    const value: unknown = JSON.parse(fields)
    return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : {}
  } catch (error) {
    debug('fields are not JSON (%s): %s', (error as Error).message, fields.slice(0, 80))
    return {}
  }
}

/** The first of `names` that holds a non-blank string (or number), trimmed; null when none does. */
export function firstField(fields: Readonly<Record<string, unknown>>, names: readonly string[]): string | null {
  for (const name of names) {
    const value = fields[name]
    if (typeof value === 'number') return String(value)
    if (typeof value === 'string' && value.trim() !== '') return value.trim()
  }

  return null
}

/** An event type in one spelling: lower case, `-` and `.` as `_`. */
export function normaliseEventType(eventType: string): string {
  return eventType.toLowerCase().replaceAll(/[-.\s]/g, '_')
}
