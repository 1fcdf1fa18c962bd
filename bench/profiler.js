#!/usr/bin/env node
/**
 * Profiler benchmark: the cost of one incremental tick (1,000 new lines)
 * against growing histories, and the cold build throughput, on SQLite and on
 * PostgreSQL. Prints markdown tables; baselines are measured in the same run:
 * the tick at the smallest history (the time must stay flat as history grows),
 * a plain SELECT of the same 1,000 new rows (the floor any tick pays), on
 * SQLite the cold build again with every read on the profiler's own thread,
 * and, with `--corpus decnet,synthetic`, the same figures on the synthetic
 * lines the earlier rounds measured (the ratio column).
 *
 *   npm run build && node --import tsx bench/profiler.js [--max 1000000] [--reps 7] [--dialects sqlite,postgres]
 *     [--corpus synthetic|decnet|decnet,synthetic] [--rss] [--json FILE]
 *
 * Corpora: `synthetic` is bench/lib/gen-logs.js (logins, commands, HTTP and
 * database lines: what the profiler read before issue 16); `decnet` is
 * test/helpers/decnet-corpus.ts, the realistic one (every persona, sniffer and
 * prober lines, credentials, fingerprints, files, sessions, mail). Both seeded,
 * no junk, through the real ingest path. `--rss` also runs the cold build of
 * the whole history in a process of its own (bench/lib/profiler-cold-build.mjs,
 * as the worker runs it) and reports its peak RSS (getrusage, all threads).
 *
 * PostgreSQL: DECNET_TEST_PG_URL when set, else a throwaway local cluster
 * (test/helpers/pg.js, fsync off).
 */
import {spawn} from 'node:child_process'
import {createWriteStream, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync} from 'node:fs'
import {once} from 'node:events'
import {tmpdir} from 'node:os'
import {dirname, join} from 'node:path'
import {fileURLToPath} from 'node:url'
import {performance} from 'node:perf_hooks'
import {parseArgs} from 'node:util'

import {sql} from 'kysely'

import {dialectOf, migrateToLatest, openDatabase, parseDatabaseUrl} from '../dist/db/index.js'
import {ingest} from '../dist/ingest/ingest.js'
import {DEFAULT_BATCH_SIZE, PROFILER_CURSOR, PROFILER_DATABASE_OPTIONS, Profiler} from '../dist/workers/profiler/profiler.js'
import {YoungGarbage} from '../dist/workers/young-garbage.js'
import {freshDatabase, skipReason} from '../test/helpers/databases.js'
import {decnetCorpus} from '../test/helpers/decnet-corpus.js'
import {clearProfiles} from './lib/clear-profiles.mjs'
import {generateLines} from './lib/gen-logs.js'
import {describeMachine, loadAverage, machineHeader} from './lib/machine.js'
import {markdownTable} from './lib/markdown-table.js'

/** Scavenges between passes, as the worker loop does. */
const garbage = new YoungGarbage()

const NEW_LINES = 1000
const WARM_UP = 3
const ROOT = dirname(dirname(fileURLToPath(import.meta.url)))
const RSS_HOOK = join(ROOT, 'bench/lib/max-rss-at-exit.mjs')
const COLD_BUILD = join(ROOT, 'bench/lib/profiler-cold-build.mjs')
const CORPORA = ['decnet', 'synthetic']

const {values} = parseArgs({
  options: {
    batch: {default: String(DEFAULT_BATCH_SIZE), type: 'string'},
    corpus: {default: 'synthetic', type: 'string'},
    dialects: {default: 'sqlite,postgres', type: 'string'},
    json: {type: 'string'},
    max: {default: '1000000', type: 'string'},
    reps: {default: '7', type: 'string'},
    rss: {default: false, type: 'boolean'},
  },
})
const max = positiveInteger(values.max, '--max')
const reps = positiveInteger(values.reps, '--reps')
const BATCH = positiveInteger(values.batch, '--batch')
const histories = [10_000, 100_000, 1_000_000].filter((n) => n < max).concat(max).filter((n, i, all) => all.indexOf(n) === i)
const dialects = values.dialects.split(',').map((d) => d.trim())
const corpora = values.corpus.split(',').map((c) => c.trim())
for (const corpus of corpora) if (!CORPORA.includes(corpus)) throw new Error(`Expected \`--corpus\` to be ${CORPORA.join(', ')} or a list of them, got \`${corpus}\``)

const work = mkdtempSync(join(tmpdir(), 'decnet-bench-profiler-'))
process.on('exit', () => rmSync(work, {force: true, recursive: true}))

/**
 * The input, generated once for every dialect: for each history size, the
 * lines that grow the history to it, then `reps` files of 1,000 new lines.
 * The files of a run are consecutive slices of one generated stream, so new
 * lines mostly touch attackers the history already has.
 */
async function writeInputs(corpus) {
  const dir = join(work, corpus)
  mkdirSync(dir)
  const stages = []
  let total = 0
  for (const history of histories) {
    const grow = Math.max(0, history - total)
    // the first WARM_UP ticks of each stage warm up (JIT, caches) and are not counted
    const increments = Array.from({length: reps + WARM_UP}, (_, i) => ({count: NEW_LINES, path: join(dir, `h${history}-new${i}.log`)}))
    stages.push({grow: {count: grow, path: join(dir, `h${history}-grow.log`)}, history, increments})
    total += grow + (reps + WARM_UP) * NEW_LINES
  }

  const lines = corpus === 'decnet' ? decnetCorpus({junk: 0, lines: total, seed: 16}).lines.values() : generateLines(total, {junkRate: 0})
  for (const file of stages.flatMap((s) => [s.grow, ...s.increments])) await writeSlice(lines, file)
  return stages
}

async function writeSlice(lines, {count, path}) {
  const out = createWriteStream(path)
  let buffer = ''
  for (let i = 0; i < count; i++) {
    buffer += `${lines.next().value}\n`
    if (buffer.length > 1 << 20) {
      if (!out.write(buffer)) await once(out, 'drain')
      buffer = ''
    }
  }

  out.end(buffer)
  await once(out, 'finish')
}


async function cursorOf(db) {
  const row = await db.selectFrom('worker_state').select('cursor').where('worker', '=', PROFILER_CURSOR).executeTakeFirst()
  return Number(row?.cursor ?? 0)
}

async function countOf(db, table) {
  const row = await db.selectFrom(table).select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow()
  return Number(row.n)
}

/** The commands in every command batch. */
async function countCommands(db, postgres) {
  const length = postgres ? sql`json_array_length("commands"::json)` : sql`json_array_length("commands")`
  const row = await db.selectFrom('attacker_command_batches').select(sql`coalesce(sum(${length}), 0)`.as('n')).executeTakeFirstOrThrow()
  return Number(row.n)
}

/**
 * CPU time spent for this benchmark so far, in ms: this process, plus the
 * PostgreSQL server processes serving its database (from /proc/PID/schedstat,
 * nanosecond precision). Wall time on a busy machine measures the other
 * tenants too; CPU time is what the work itself costs.
 */
class CpuClock {
  #backends = []

  /** Finds the server processes of `db`'s connections (PostgreSQL; none for SQLite). */
  async attach(db) {
    if (dialectOf(db) !== 'postgres') return
    const {rows} = await sql`select pid from pg_stat_activity where datname = current_database()`.execute(db)
    this.#backends = rows.map((row) => Number(row.pid))
  }

  now() {
    const own = process.cpuUsage()
    let ns = 0
    for (const pid of this.#backends) {
      try {
        ns += Number(readFileSync(`/proc/${pid}/schedstat`, 'utf8').split(' ')[0])
      } catch (error) {
        if (error.code !== 'ENOENT') throw error // a connection the pool closed: its time is spent
      }
    }

    return (own.user + own.system) / 1000 + ns / 1e6
  }
}

async function timed(fn, clock) {
  const cpu = clock?.now()
  const start = performance.now()
  const result = await fn()
  const ms = performance.now() - start
  return {cpuMs: clock === undefined ? undefined : clock.now() - cpu, ms, result}
}

async function benchDialect(kind, stages, corpus) {
  const database = await freshDatabase(kind)
  // opened as the worker opens it, and driven as the worker drives it: a pass, then what the worker does between passes
  const db = await openDatabase(database.url, PROFILER_DATABASE_OPTIONS)
  const ticks = []
  try {
    await migrateToLatest(db)
    const profiler = new Profiler(db, {batchSize: BATCH, database: parseDatabaseUrl(database.url)})
    const drain = async () => (await profiler.drain()).lines
    const clock = new CpuClock()
    const postgres = dialectOf(db) === 'postgres'
    for (const stage of stages) {
      await ingest(db, [stage.grow.path], {batchSize: BATCH})
      if (postgres) await sql`analyze`.execute(db) // what autovacuum would do on a live server
      await drain()
      await betweenPasses(profiler)
      // The drain rewrote every attacker about once per 100,000 lines. On a live server, with ticks a
      // minute apart, autovacuum (naptime 1 min, 20% dead rows) would have cleaned that up before the next
      // ticks; done here, so that whether it ran in time does not decide the figures.
      if (postgres) await sql`vacuum analyze attackers`.execute(db)
      const history = await cursorOf(db)
      const floor = []
      const tick = []
      const tickCpu = []
      const checkpoint = []
      let touched = 0
      for (const [i, increment] of stage.increments.entries()) {
        await ingest(db, [increment.path], {batchSize: BATCH})
        if (i < WARM_UP) {
          await profiler.tick()
          await betweenPasses(profiler)
          continue
        }

        const cursor = await cursorOf(db)
        await clock.attach(db)
        floor.push((await timed(() => selectNew(db, cursor))).ms)
        const {cpuMs, ms, result} = await timed(() => profiler.tick(), clock)
        if (result.lines !== NEW_LINES) throw new Error(`expected a tick of ${NEW_LINES} lines, got ${result.lines}`)
        tick.push(ms)
        tickCpu.push(cpuMs)
        touched += result.attackers
        checkpoint.push((await timed(() => profiler.checkpoint())).ms)
        garbage.collect() // the rest of betweenPasses (the checkpoint's time is shown apart)
      }

      ticks.push({
        attackersTouched: Math.round(touched / reps),
        checkpointMs: median(checkpoint),
        floorMs: median(floor),
        history,
        tickCpuMs: median(tickCpu),
        tickMaxMs: Math.max(...tick),
        tickMs: median(tick),
      })
      process.stderr.write(`${corpus}, ${kind}: history ${history}: tick ${median(tick).toFixed(1)} ms (cpu ${median(tickCpu).toFixed(1)} ms)\n`)
    }

    // cold build: the whole history again from an empty profile; on SQLite also without the reading thread
    const cold = await coldBuild(db, profiler, clock)
    process.stderr.write(`${corpus}, ${kind}: cold build of ${cold.lines} lines in ${cold.seconds.toFixed(1)} s\n`)
    if (!postgres) {
      cold.oneThread = await coldBuild(db, new Profiler(db, {batchSize: BATCH}), clock)
      process.stderr.write(`${corpus}, ${kind}: the same, reading on the profiler's thread: ${cold.oneThread.seconds.toFixed(1)} s\n`)
    }

    if (values.rss) {
      cold.rss = await coldBuildRss(database.url)
      process.stderr.write(`${corpus}, ${kind}: cold build in a process of its own: peak RSS ${cold.rss.rssMiB.toFixed(0)} MiB\n`)
    }

    return {cold, corpus, kind, ticks}
  } finally {
    await db.destroy()
    await database.cleanup()
  }
}

/** Clears the profiles, then times the drain that rebuilds them and the checkpoint the worker runs right after it. */
async function coldBuild(db, profiler, clock) {
  const postgres = dialectOf(db) === 'postgres'
  await clearProfiles(db, PROFILER_CURSOR)
  if (postgres) await sql`vacuum analyze`.execute(db)
  await clock.attach(db)
  // SQLite: the checkpoint copies the pages the drain left in the log
  const {cpuMs, ms, result: lines} = await timed(async () => {
    const drained = (await profiler.drain()).lines
    await profiler.checkpoint()
    return drained
  }, clock)
  return {
    attackers: await countOf(db, 'attackers'),
    commands: await countCommands(db, postgres),
    cpuSeconds: cpuMs / 1000,
    lines,
    seconds: ms / 1000,
  }
}

/**
 * The cold build of the whole history as the worker runs it (default batch,
 * reading thread on SQLite), in a process of its own: its peak RSS in MiB
 * (getrusage at exit, all threads), and its lines and seconds.
 */
async function coldBuildRss(url) {
  const rssFile = join(work, `rss-${Date.now()}`)
  const child = spawn(process.execPath, ['--import', RSS_HOOK, COLD_BUILD, join(ROOT, 'dist'), url], {
    env: {...process.env, DECNET_BENCH_RSS_FILE: rssFile},
    stdio: ['ignore', 'pipe', 'inherit'],
  })
  let stdout = ''
  child.stdout.setEncoding('utf8').on('data', (text) => (stdout += text))
  const [code] = await once(child, 'close')
  if (code !== 0) throw new Error(`${COLD_BUILD} exited with ${code}`)
  const {lines, seconds} = JSON.parse(stdout)
  return {lines, rssMiB: Number(readFileSync(rssFile, 'utf8')) / 1024, seconds}
}

/**
 * What the worker does after a pass, before it waits for the next one: the
 * checkpoint (src/workers/profiler/worker.ts) and a scavenge of the young
 * generation (src/workers/run-worker-loop.ts, see young-garbage.ts).
 */
async function betweenPasses(profiler) {
  await profiler.checkpoint()
  garbage.collect()
}

/** The floor: reading the same new rows a tick reads, and nothing else. */
function selectNew(db, cursor) {
  return db
    .selectFrom('logs')
    .select(['id', 'timestamp', 'decky', 'service', 'event_type', 'attacker_ip', 'fields', 'msg'])
    .where('id', '>', cursor)
    .orderBy('id')
    .limit(NEW_LINES)
    .execute()
}

function median(list) {
  const sorted = [...list].sort((a, b) => a - b)
  const mid = Math.floor(sorted.length / 2)
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2
}

function positiveInteger(text, name) {
  const n = Number(text)
  if (!Number.isInteger(n) || n < 1) throw new Error(`Expected \`${name}\` to be a positive integer, got \`${text}\``)
  return n
}

const fmt = (n, digits = 1) => n.toLocaleString('en-US', {maximumFractionDigits: digits, minimumFractionDigits: digits})

/** The row label: the database, and the corpus when the run has more than one. */
const label = ({corpus, kind}) => (corpora.length > 1 ? `${kind}, ${corpus}` : kind)

/** The same database's result on the synthetic corpus (the earlier rounds' input), when this run has it. */
const syntheticOf = (results, result) => (result.corpus === 'synthetic' ? undefined : results.find((r) => r.corpus === 'synthetic' && r.kind === result.kind))

function report(results, load) {
  const tickRows = results.flatMap(({corpus, kind, ticks}) =>
    ticks.map((t) => [
      label({corpus, kind}),
      t.history.toLocaleString('en-US'),
      String(t.attackersTouched),
      fmt(t.tickMs),
      fmt(t.tickMaxMs),
      fmt(t.tickCpuMs),
      `${fmt(t.tickCpuMs / ticks[0].tickCpuMs, 2)}x`,
      fmt(t.floorMs, 2),
      `${fmt(t.tickMs / t.floorMs, 1)}x`,
      kind === 'sqlite' ? fmt(t.checkpointMs, 1) : '-',
      `${t.tickMs < 50 ? 'yes' : 'NO'} / ${t.tickCpuMs < 50 ? 'yes' : 'NO'}`,
    ]),
  )
  const coldRow = (name, cold, baseline, synthetic) => [
    name,
    cold.lines.toLocaleString('en-US'),
    cold.attackers.toLocaleString('en-US'),
    cold.commands.toLocaleString('en-US'),
    fmt(cold.seconds, 2),
    Math.round(cold.lines / cold.seconds).toLocaleString('en-US'),
    Math.round(cold.lines / cold.cpuSeconds).toLocaleString('en-US'),
    baseline === undefined ? '-' : `${fmt(baseline.seconds / cold.seconds, 2)}x`,
    synthetic === undefined ? '-' : `${fmt(cold.lines / cold.cpuSeconds / (synthetic.lines / synthetic.cpuSeconds), 2)}x`,
    `${cold.lines / cold.seconds >= 100_000 ? 'yes' : 'NO'} / ${cold.lines / cold.cpuSeconds >= 100_000 ? 'yes' : 'NO'}`,
  ]
  const coldRows = results.flatMap((result) => {
    const {cold} = result
    const synthetic = syntheticOf(results, result)?.cold
    return cold.oneThread === undefined
      ? [coldRow(label(result), cold, undefined, synthetic)]
      : [coldRow(label(result), cold, cold.oneThread, synthetic), coldRow(`${label(result)}, reading on the profiler's thread`, cold.oneThread, undefined, synthetic?.oneThread)]
  })
  const rssRows = results.filter((r) => r.cold.rss !== undefined).map((result) => {
    const {rss} = result.cold
    const synthetic = syntheticOf(results, result)?.cold.rss
    return [
      label(result), rss.lines.toLocaleString('en-US'), fmt(rss.seconds, 2), Math.round(rss.lines / rss.seconds).toLocaleString('en-US'),
      fmt(rss.rssMiB, 0), synthetic === undefined ? '-' : `${fmt(rss.rssMiB / synthetic.rssMiB, 2)}x`,
    ]
  })
  return [
    `## Profiler benchmark (${new Date().toISOString().slice(0, 10)})`,
    '',
    ...machineHeader(describeMachine()),
    `- load average (1, 5, 15 min) at the start: ${load.start}; at the end: ${load.end}`,
    `- ${reps} ticks of ${NEW_LINES.toLocaleString('en-US')} new lines per history size (median and max); batch ${BATCH} lines`,
    '- CPU: this process plus the PostgreSQL server processes of its connections (/proc/PID/schedstat); on a busy',
    '  machine wall time also counts the other tenants, CPU time is what the work costs',
    '- SQLite: the worker checkpoints the WAL between passes (passive, outside any transaction); its time is shown apart',
    '- between passes the worker also scavenges its young generation (src/workers/young-garbage.ts); so does this benchmark',
    '  after each tick, untimed',
    '- PostgreSQL: `VACUUM ANALYZE attackers` after growing each history, as autovacuum would before the next minute',
    "- cold build on SQLite: as the worker runs it (the next batch read on a thread of its own), then again with every",
    "  read on the profiler's thread (the baseline of the speed-up column)",
    `- corpus: ${corpora.join(' and ')} (bench/profiler.js's header); "vs synthetic": lines per CPU second (peak RSS) against the`,
    '  same database on the synthetic corpus in this run',
    '',
    `### Incremental tick: ${NEW_LINES.toLocaleString('en-US')} new lines against a growing history`,
    '',
    markdownTable(
      [
        'database', 'history (lines)', 'attackers touched', 'tick ms', 'tick ms (max)', 'tick CPU ms',
        `CPU vs ${histories[0].toLocaleString('en-US')}`, 'SELECT floor ms', 'tick / floor', 'checkpoint ms', '< 50 ms (wall / CPU)',
      ],
      tickRows,
      ['l', 'r', 'r', 'r', 'r', 'r', 'r', 'r', 'r', 'r', 'l'],
    ),
    '',
    '### Cold build: the whole history from an empty profile (the drain, then the checkpoint the worker runs after it)',
    '',
    markdownTable(
      ['database', 'lines', 'attackers', 'commands', 'seconds', 'lines/s', 'lines per CPU s', 'speed-up', 'vs synthetic', '>= 100k/s (wall / CPU)'],
      coldRows,
      ['l', 'r', 'r', 'r', 'r', 'r', 'r', 'r', 'r', 'l'],
    ),
    ...(rssRows.length === 0
      ? []
      : [
          '',
          '### Peak memory: the cold build in a process of its own, as the worker runs it (getrusage maxRSS, all threads)',
          '',
          markdownTable(['database', 'lines', 'seconds', 'lines/s', 'peak RSS MiB', 'vs synthetic'], rssRows, ['l', 'r', 'r', 'r', 'r', 'r']),
        ]),
  ].join('\n')
}

const load = {start: loadAverage()}
const results = []
for (const corpus of corpora) {
  const stages = await writeInputs(corpus)
  for (const kind of dialects) {
    const why = skipReason(kind)
    if (why) {
      process.stderr.write(`!!! skipping ${kind}: ${why}\n`)
      continue
    }

    results.push(await benchDialect(kind, stages, corpus))
  }
}

load.end = loadAverage()
console.log(report(results, load))
if (values.json) writeFileSync(values.json, `${JSON.stringify(results, null, 2)}\n`)
