#!/usr/bin/env node
/**
 * The ingest benchmark: `decnet ingest` throughput (lines/s) for generated
 * DECNET logs into SQLite and into PostgreSQL (a throwaway local cluster),
 * against baselines measured in the same run (raw driver inserts of the same
 * rows, already parsed; for PostgreSQL also a bare COPY of them; and the
 * parser alone). `--before DIR` also times another checkout's build
 * (`DIR/bin/run.js`, e.g. main before a change) on the same file and databases.
 *
 *   node --import tsx bench/ingest.js [--lines N] [--runs N] [--systems sqlite,postgres] [--before DIR] [--write FILE]
 *
 * decnet's figure is end to end: `node bin/run.js ingest FILE --db URL` as a
 * process (start-up, migrations, reading, parsing, batched inserts, the final
 * checkpoint), timed from spawn to exit, on a fresh database per run. Besides
 * wall-clock lines/s it reports the CPU seconds (user + system, all threads)
 * per million lines of the measured process (client side only for
 * PostgreSQL; the server processes' CPU is a column of its own, sampled
 * from /proc), which moves less when the machine is busy. Prints a markdown report on stdout and progress on stderr. Needs a
 * build (dist/).
 */
import {spawn} from 'node:child_process'
import {mkdtempSync, readFileSync, rmSync, statSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {fileURLToPath} from 'node:url'
import {parseArgs} from 'node:util'

import {migrateToLatest} from '../dist/db/migrate.js'
import {withDatabase} from '../dist/db/open.js'
import {freshDatabase, skipReason} from '../test/helpers/databases.js'
import {writeLogFile} from './lib/gen-logs.js'
import {describeMachine, loadAverage} from './lib/machine.js'
import {markdownTable} from './lib/markdown-table.js'

const TARGET_SQLITE = 100_000
const {values: flags} = parseArgs({
  options: {
    lines: {default: '1000000', type: 'string'},
    runs: {default: '1', type: 'string'},
    systems: {default: 'sqlite,postgres', type: 'string'},
    before: {type: 'string'},
    write: {type: 'string'},
  },
})
const positive = (name, text) => {
  const value = Number(text)
  if (!Number.isInteger(value) || value <= 0) throw new Error(`Expected \`--${name}\` to be a positive integer, got \`${text}\``)
  return value
}
const lineCount = positive('lines', flags.lines)
const runs = positive('runs', flags.runs)
const systems = flags.systems.split(',')
const progress = (message) => process.stderr.write(`bench: ${message}\n`)
const BIN = fileURLToPath(new URL('../bin/run.js', import.meta.url))
const BASELINE = fileURLToPath(new URL('lib/ingest-baseline.js', import.meta.url))
const CPU_AT_EXIT = fileURLToPath(new URL('lib/cpu-at-exit.cjs', import.meta.url))
const BEFORE_BIN = flags.before ? join(flags.before, 'bin', 'run.js') : undefined

const dir = mkdtempSync(join(tmpdir(), 'decnet-bench-ingest-'))
const cleanups = [() => rmSync(dir, {recursive: true, force: true})]
process.once('SIGINT', () => process.exit(130))
process.once('exit', () => cleanups.reverse().forEach((cleanup) => cleanup()))

const loadAtStart = loadAverage()
const logFile = join(dir, 'decnet.log')
progress(`generating ${lineCount} lines`)
await writeLogFile(logFile, lineCount)
const megabytes = statSync(logFile).size / 1024 / 1024

const rows = []
const parse = await median(runs, () => child(process.execPath, ['--max-old-space-size=8192', BASELINE, 'parse', logFile]))
rows.push(['-', 'parser alone (parseLine + JSON), in memory', parse])

for (const kind of systems) {
  const why = skipReason(kind)
  if (why) {
    progress(`skipping ${kind}: ${why}`)
    continue
  }

  progress(`${kind}: baseline`)
  const baseline = await median(runs, () => withFresh(kind, (url) => child(process.execPath, ['--max-old-space-size=8192', BASELINE, kind, logFile, url])))
  rows.push([kind, kind === 'sqlite' ? 'baseline: raw better-sqlite3 prepared INSERT loop (rows pre-parsed)' : 'baseline: raw pg multi-row INSERTs (rows pre-parsed)', baseline])
  let against = baseline
  if (kind === 'postgres') {
    progress(`${kind}: baseline (COPY)`)
    against = await median(runs, () => withFresh(kind, (url) => child(process.execPath, ['--max-old-space-size=8192', BASELINE, 'postgres-copy', logFile, url])))
    rows.push([kind, 'baseline: raw pg COPY FROM STDIN, text format (rows pre-parsed)', against])
  }

  // alternate the two builds run by run, so that a change in the machine's load hits both alike
  const decnetRuns = []
  const beforeRuns = []
  for (let i = 0; i < runs; i++) {
    if (flags.before) {
      progress(`${kind}: decnet ingest (before: ${flags.before})`)
      beforeRuns.push(await withFresh(kind, (url) => decnetIngest(url, BEFORE_BIN)))
    }

    progress(`${kind}: decnet ingest`)
    decnetRuns.push(await withFresh(kind, (url) => decnetIngest(url)))
  }

  if (flags.before) rows.push([kind, `decnet ingest, before (${flags.before})`, medianOf(beforeRuns), against])
  rows.push([kind, 'decnet ingest (end to end: process, parse, insert)', medianOf(decnetRuns), against])
}

const machine = describeMachine()
const lines = [
  `# decnet ingest benchmark`,
  '',
  `${machine.cpuModel}, ${machine.nproc} CPUs, ${machine.memoryGiB.toFixed(1)} GiB, node ${machine.node}, kernel ${machine.kernel}; load average at the start ${loadAtStart}, at the end ${loadAverage()}`,
  `${lineCount.toLocaleString('en-US')} generated lines (${megabytes.toFixed(0)} MiB), median of ${runs} run(s) each; target: decnet ingest into SQLite >= ${TARGET_SQLITE.toLocaleString('en-US')} lines/s`,
  '',
  markdownTable(
    ['database', 'what', 'lines', 'seconds', 'lines/s', 'CPU-s per 1M lines', 'server CPU-s per 1M lines', 'lines/s vs baseline', 'CPU vs baseline'],
    rows.map(([db, what, figure, baseline]) => [
      db,
      what,
      figure.rows.toLocaleString('en-US'),
      figure.seconds.toFixed(2),
      Math.round(figure.rows / figure.seconds).toLocaleString('en-US'),
      cpuPerMillion(figure).toFixed(2),
      figure.serverCpuSeconds === undefined ? '' : ((figure.serverCpuSeconds / figure.rows) * 1e6).toFixed(2),
      baseline ? `${((figure.rows / figure.seconds / (baseline.rows / baseline.seconds)) * 100).toFixed(0)}%` : '',
      baseline ? `${(totalCpuPerMillion(figure) / totalCpuPerMillion(baseline)).toFixed(2)}x` : '',
    ]),
    ['l', 'l', 'r', 'r', 'r', 'r', 'r', 'r', 'r'],
  ),
]
const sqliteFigure = rows.find(([db, what]) => db === 'sqlite' && what.startsWith('decnet'))?.[2]
if (sqliteFigure) {
  const rate = sqliteFigure.rows / sqliteFigure.seconds
  lines.push('', `target (SQLite >= ${TARGET_SQLITE.toLocaleString('en-US')} lines/s): ${rate >= TARGET_SQLITE ? 'met' : 'NOT met'} (${Math.round(rate).toLocaleString('en-US')} lines/s)`)
}

const pgFigure = rows.find(([db, what]) => db === 'postgres' && what.startsWith('decnet ingest ('))?.[2]
const pgBefore = rows.find(([db, what]) => db === 'postgres' && what.startsWith('decnet ingest, before'))?.[2]
if (pgFigure && pgBefore) {
  const ratio = pgFigure.rows / pgFigure.seconds / (pgBefore.rows / pgBefore.seconds)
  lines.push('', `target (PostgreSQL >= 2x the build before): ${ratio >= 2 ? 'met' : 'NOT met'} (${ratio.toFixed(2)}x lines/s; CPU per line, client and server, ${(totalCpuPerMillion(pgFigure) / totalCpuPerMillion(pgBefore)).toFixed(2)}x)`)
}

const report = `${lines.join('\n')}\n`
process.stdout.write(report)
if (flags.write) writeFileSync(flags.write, report)

/** CPU seconds of the measured process and, for PostgreSQL, of its server processes, per million lines. */
function totalCpuPerMillion(figure) {
  return ((figure.cpuSeconds + (figure.serverCpuSeconds ?? 0)) / figure.rows) * 1e6
}

/** CPU seconds (user + system, all threads of the measured process) per million lines. */
function cpuPerMillion(figure) {
  return (figure.cpuSeconds / figure.rows) * 1e6
}

/** `decnet ingest` as a process on the generated file: wall time from spawn to exit, and its CPU time. */
async function decnetIngest(url, bin = BIN) {
  const cpuFile = join(dir, 'cpu')
  const started = performance.now()
  const out = await child(process.execPath, ['--require', CPU_AT_EXIT, bin, 'ingest', logFile, '--db', url, '--json'], {BENCH_CPU_FILE: cpuFile})
  return {rows: out.accepted + out.rejected, seconds: (performance.now() - started) / 1000, cpuSeconds: Number(readFileSync(cpuFile, 'utf8'))}
}

async function withFresh(kind, use) {
  const database = await freshDatabase(kind)
  try {
    await withDatabase(database.url, (db) => migrateToLatest(db))
    if (kind !== 'postgres') return await use(database.url)
    const sampler = await serverCpuSampler(database.url)
    try {
      return {...(await use(database.url)), serverCpuSeconds: sampler.seconds()}
    } finally {
      await sampler.stop()
    }
  } finally {
    await database.cleanup()
  }
}

/**
 * CPU time of the PostgreSQL server processes serving the database's other
 * connections (the measured process's), from /proc/PID/schedstat sampled
 * every 50 ms while they live (the server is on this machine): on a shared
 * machine, CPU time is what the work costs, wall time also counts the others.
 */
async function serverCpuSampler(url) {
  const {default: pg} = await import('pg')
  const client = new pg.Client({connectionString: url})
  await client.connect()
  const seen = new Map()
  let stopped = false
  const sample = async () => {
    const {rows} = await client.query('select pid from pg_stat_activity where datname = current_database() and pid <> pg_backend_pid()')
    for (const {pid} of rows) {
      try {
        seen.set(pid, Number(readFileSync(`/proc/${pid}/schedstat`, 'utf8').split(' ')[0]))
      } catch {
        // ended between the query and the read: its last sample stands
      }
    }
  }

  const loop = (async () => {
    while (!stopped) {
      await sample()
      await new Promise((resolve) => setTimeout(resolve, 50))
    }
  })()
  return {
    seconds: () => [...seen.values()].reduce((a, b) => a + b, 0) / 1e9,
    async stop() {
      stopped = true
      await loop
      await client.end()
    },
  }
}

async function median(count, measure) {
  const figures = []
  for (let i = 0; i < count; i++) figures.push(await measure())
  return medianOf(figures)
}

function medianOf(figures) {
  const sorted = [...figures].sort((a, b) => a.rows / a.seconds - b.rows / b.seconds)
  return sorted[Math.floor(sorted.length / 2)]
}

function child(command, args, env = {}) {
  return new Promise((resolve, reject) => {
    const proc = spawn(command, args, {env: {...process.env, ...env}, stdio: ['ignore', 'pipe', 'inherit']})
    let out = ''
    proc.stdout.setEncoding('utf8').on('data', (data) => (out += data))
    proc.once('error', reject)
    proc.once('close', (code) => (code === 0 ? resolve(JSON.parse(out)) : reject(new Error(`${args.join(' ')} exited ${code}`))))
  })
}
