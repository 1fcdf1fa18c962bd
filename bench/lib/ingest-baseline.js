#!/usr/bin/env node
/**
 * The ingest benchmark's baselines, in their own process: reads and parses a
 * log file into rows first (not timed), then times only the inserts of
 * those rows with the raw driver, the fastest plain way each driver allows:
 *
 *   sqlite:   a prepared single-row INSERT run in a loop, one transaction per
 *             20,000 rows, same schema, pragmas, page cache and checkpoint interval as decnet ingest
 *   postgres: multi-row INSERTs of 1,000 rows, one transaction per 20,000 rows
 *   postgres-copy: COPY FROM STDIN (text format, pg-copy-streams), one COPY and transaction per 20,000 rows
 *   parse:    decnet's parser alone (parseLine + JSON of the fields), no database
 *
 *   node bench/lib/ingest-baseline.js sqlite|postgres|postgres-copy|parse FILE URL
 *
 * Prints {rows, seconds, cpuSeconds} (of the timed part) as JSON. The database must be fresh and migrated.
 */
import {readFileSync} from 'node:fs'

import {parseLine} from '../../dist/logs/parse.js'

const [kind, file, url] = process.argv.slice(2)
const BATCH = 20_000
let cpuAtStart = process.cpuUsage()

const lines = readFileSync(file, 'utf8').split('\n')
if (lines.at(-1) === '') lines.pop()

if (kind === 'parse') {
  const start = performance.now()
  cpuAtStart = process.cpuUsage()
  let accepted = 0
  for (const line of lines) {
    const result = parseLine(line)
    if (result.ok) accepted += JSON.stringify(result.line.fields).length > 0 ? 1 : 0
  }

  report(lines.length, start)
} else {
  const receivedAt = new Date().toISOString()
  const rows = []
  for (const line of lines) {
    const result = parseLine(line)
    if (!result.ok) continue
    const {timestamp, decky, service, eventType, attackerIp, fields, msg} = result.line
    rows.push([timestamp ?? receivedAt, decky, service, eventType, attackerIp, line, JSON.stringify(fields), msg])
  }

  if (kind === 'sqlite') await sqlite(rows)
  else if (kind === 'postgres') await postgres(rows)
  else if (kind === 'postgres-copy') await postgresCopy(rows)
  else throw new Error(`Expected \`kind\` to be sqlite, postgres, postgres-copy or parse, got \`${kind}\``)
}

async function sqlite(rows) {
  const {default: Database} = await import('better-sqlite3')
  const db = new Database(url.replace(/^sqlite:/, ''))
  db.pragma('busy_timeout = 10000')
  db.pragma('journal_mode = WAL')
  db.pragma('synchronous = NORMAL')
  db.pragma('cache_size = -65536')
  db.pragma('wal_autocheckpoint = 10000')
  const start = performance.now()
  cpuAtStart = process.cpuUsage()
  const insert = db.prepare('insert into logs (timestamp, decky, service, event_type, attacker_ip, raw_line, fields, msg) values (?, ?, ?, ?, ?, ?, ?, ?)')
  const batch = db.transaction((slice) => {
    for (const row of slice) insert.run(row)
  })
  for (let i = 0; i < rows.length; i += BATCH) batch(rows.slice(i, i + BATCH))
  db.close() // the final checkpoint is part of the work, as it is for decnet ingest
  report(rows.length, start)
}

async function postgres(rows) {
  const {default: pg} = await import('pg')
  const client = new pg.Client({connectionString: url})
  await client.connect()
  const per = 1000
  const tuple = (r) => `(${Array.from({length: 8}, (_, c) => `$${r * 8 + c + 1}`).join(', ')})`
  const fullSql = `insert into logs (timestamp, decky, service, event_type, attacker_ip, raw_line, fields, msg) values ${Array.from({length: per}, (_, r) => tuple(r)).join(', ')}`
  const start = performance.now()
  cpuAtStart = process.cpuUsage()
  for (let i = 0; i < rows.length; i += BATCH) {
    await client.query('begin')
    const slice = rows.slice(i, i + BATCH)
    for (let j = 0; j < slice.length; j += per) {
      const part = slice.slice(j, j + per)
      const text = part.length === per ? fullSql : `insert into logs (timestamp, decky, service, event_type, attacker_ip, raw_line, fields, msg) values ${part.map((_, r) => tuple(r)).join(', ')}`
      await client.query(text, part.flat())
    }

    await client.query('commit')
  }

  await client.end()
  report(rows.length, start)
}

async function postgresCopy(rows) {
  const {default: pg} = await import('pg')
  const {from: copyFrom} = await import('pg-copy-streams')
  const {pipeline} = await import('node:stream/promises')
  const {Readable} = await import('node:stream')
  const client = new pg.Client({connectionString: url})
  await client.connect()
  const escape = (value) => (value === null ? '\\N' : value.replaceAll(/[\\\t\n\r]/g, (c) => ({'\\': '\\\\', '\t': '\\t', '\n': '\\n', '\r': '\\r'})[c]))
  const start = performance.now()
  cpuAtStart = process.cpuUsage()
  for (let i = 0; i < rows.length; i += BATCH) {
    await client.query('begin')
    const text = rows
      .slice(i, i + BATCH)
      .map((row) => `${row.map(escape).join('\t')}\n`)
      .join('')
    await pipeline(Readable.from([Buffer.from(text)]), client.query(copyFrom('copy logs (timestamp, decky, service, event_type, attacker_ip, raw_line, fields, msg) from stdin')))
    await client.query('commit')
  }

  await client.end()
  report(rows.length, start)
}

function report(rows, start) {
  const {user, system} = process.cpuUsage(cpuAtStart)
  process.stdout.write(`${JSON.stringify({rows, seconds: (performance.now() - start) / 1000, cpuSeconds: (user + system) / 1e6})}\n`)
}
