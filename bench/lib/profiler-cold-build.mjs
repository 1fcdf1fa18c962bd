// Run by bench/memory.js in a process of its own (so its peak RSS is the profiler's):
// node profiler-cold-build.mjs DIST_DIR DB_URL -> clears the profiles and drains the whole
// history the way the worker does (on a SQLite file, with its reading thread), then prints
// {lines, ticks, seconds} as JSON. Used by bench/memory.js and bench/profiler.js --rss.
import {pathToFileURL} from 'node:url'
import {join} from 'node:path'

const [dist, url] = process.argv.slice(2)
const {migrateToLatest, openDatabase, parseDatabaseUrl} = await import(pathToFileURL(join(dist, 'db/index.js')).href)
const {PROFILER_CURSOR, PROFILER_DATABASE_OPTIONS, Profiler} = await import(pathToFileURL(join(dist, 'workers/profiler/profiler.js')).href)
const {clearProfiles} = await import('./clear-profiles.mjs')
const db = await openDatabase(url, PROFILER_DATABASE_OPTIONS)
try {
  await migrateToLatest(db)
  await clearProfiles(db, PROFILER_CURSOR)
  const profiler = new Profiler(db, {database: parseDatabaseUrl(url)})
  const started = performance.now()
  let ticks = 0
  const {lines} = await profiler.drain(undefined, () => {
    ticks++
  })
  await profiler.checkpoint()
  process.stdout.write(`${JSON.stringify({lines, seconds: (performance.now() - started) / 1000, ticks})}\n`)
} finally {
  await db.destroy()
}
