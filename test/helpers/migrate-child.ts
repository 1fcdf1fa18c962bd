// Test helper process: opens the database named by argv[2], prints "ready",
// waits for a line on stdin, then migrates and prints the names it applied as
// JSON. Lets a test start several migrations at the same moment.
// Run it as `node --import tsx test/helpers/migrate-child.ts URL`.
import {createInterface} from 'node:readline'

import {migrateToLatest} from '../../src/db/migrate.js'
import {openDatabase} from '../../src/db/open.js'

const url = process.argv[2]
if (!url) throw new Error('usage: migrate-child.ts DATABASE_URL')
const db = await openDatabase(url)
try {
  const lines = createInterface({input: process.stdin})[Symbol.asyncIterator]()
  process.stdout.write('ready\n')
  await lines.next()
  const applied = await migrateToLatest(db)
  process.stdout.write(`${JSON.stringify(applied)}\n`)
} finally {
  await db.destroy()
}

process.exit(0)
