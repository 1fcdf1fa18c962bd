// Test helper process: opens the database named by argv[2], prints "ready",
// waits for a line on stdin, then migrates and prints the names it applied as
// JSON. Lets a test start several migrations at the same moment.
import {createInterface} from 'node:readline'

import {migrateToLatest} from '../../dist/db/migrate.js'
import {openDatabase} from '../../dist/db/open.js'

const db = await openDatabase(process.argv[2])
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
