/**
 * The database command an event describes, as one text the `database` rules
 * read: the product, a space, then the statement.
 *
 * ```
 * redis CONFIG SET dir /root/.ssh
 * elasticsearch DELETE /customers
 * elasticsearch POST /_all/_search?size=10000 {"query": {"match_all": {}}}
 * query DROP DATABASE shop;
 * ```
 *
 * - `redis`: DECNET's redis decky logs a `command` event per command with
 *   `cmd` (the verb) and `args` (a Python-repr list of up to 8 arguments,
 *   DECNET-EVENTS.md §1.7): the verb and its arguments, joined with spaces. A
 *   `redis_command` event with a `command` field is read as it is.
 * - `elasticsearch`: the elasticsearch decky's `root_probe`, `cat_api`,
 *   `cluster_recon`, `nodes_recon`, `security_probe`, `post_request`,
 *   `put_request`, `delete_request` and `head_request` events: `method`,
 *   `path` (with its query string) and, for POST and PUT, a space and
 *   `body_preview` (DECNET keeps 300 characters).
 * - `query`: a SQL or shell statement a database service logs as a `query`,
 *   `sql_query`, `sql`, `db_query` or `mongo_command` event (its `query`,
 *   `sql`, `statement` or `command` field). DECNET's MySQL, PostgreSQL, MSSQL
 *   and MongoDB deckies log logins only (no statements); these are for
 *   services that do.
 *
 * Each value is bounded and kept on one line (control bytes as `\xNN`), so
 * the text never exceeds {@link MAX_DATABASE_TEXT}.
 */
import type {FieldsInput} from './fields.js'

import {eventTypeIn, oneLine, textField} from './event-text.js'
import {firstField, readFields} from './fields.js'
import {parsePythonList} from './fingerprints/python-repr.js'

/** The longest text {@link databaseText} returns. */
export const MAX_DATABASE_TEXT = 4096

const MAX_ARGS = 16
const MAX_ARG = 1024
const MAX_PATH = 2048
const MAX_BODY = 1024

const ELASTICSEARCH_EVENTS: ReadonlySet<string> = new Set([
  'cat_api', 'cluster_recon', 'delete_request', 'head_request', 'nodes_recon', 'post_request', 'put_request', 'root_probe', 'security_probe',
])
const QUERY_EVENTS: ReadonlySet<string> = new Set(['db_query', 'mongo_command', 'query', 'redis_command', 'sql', 'sql_query'])
const QUERY_FIELDS = Object.freeze(['query', 'sql', 'statement', 'command'])
const DATABASE_EVENTS: ReadonlySet<string> = new Set(['command', ...ELASTICSEARCH_EVENTS, ...QUERY_EVENTS])

/** What {@link databaseText} needs of a log row. */
export interface DatabaseSource {
  readonly event_type: string
  readonly fields: FieldsInput
}

/**
 * The database command text of a row (see the module's documentation), or
 * null when the row is not a database command.
 *
 * @example
 * ```ts
 * databaseText({event_type: 'command', fields: {cmd: 'CONFIG', args: "['SET', 'dir', '/root/.ssh']"}}) // 'redis CONFIG SET dir /root/.ssh'
 * databaseText({event_type: 'command', fields: {cmd: 'LIST', state: 'AUTHENTICATED'}})               // null (an IMAP command)
 * ```
 */
export function databaseText(row: DatabaseSource): null | string {
  const type = eventTypeIn(row.event_type ?? '', DATABASE_EVENTS)
  if (type === null) return null
  const fields = readFields(row.fields)
  if (type === 'command') return redisText(fields)
  if (ELASTICSEARCH_EVENTS.has(type)) return elasticsearchText(fields)
  const statement = firstField(fields, QUERY_FIELDS)
  if (statement === null) return null
  return `${type === 'redis_command' ? 'redis' : 'query'} ${oneLine(statement, MAX_DATABASE_TEXT - 6)}`
}

/** A Redis `command` event: `cmd` and the `args` list (the list's raw text when it does not parse). */
function redisText(fields: Readonly<Record<string, unknown>>): null | string {
  const cmd = textField(fields, 'cmd')
  const args = textField(fields, 'args')
  if (cmd === null || cmd.trim() === '' || args === null) return null
  const list = parsePythonList(args, MAX_ARGS)
  const parts = list === null ? [args.replace(/^\s*\[|\]\s*$/g, '')] : list
  const text = ['redis', oneLine(cmd.trim(), 64), ...parts.map((arg) => oneLine(arg, MAX_ARG))].join(' ')
  return oneLine(text, MAX_DATABASE_TEXT)
}

function elasticsearchText(fields: Readonly<Record<string, unknown>>): null | string {
  const method = textField(fields, 'method')
  const path = textField(fields, 'path')
  if (method === null || path === null || method === '' || path === '') return null
  const body = textField(fields, 'body_preview') ?? ''
  const request = `elasticsearch ${oneLine(method, 16)} ${oneLine(path, MAX_PATH)}`
  return body === '' ? request : `${request} ${oneLine(body, MAX_BODY)}`
}
