#!/usr/bin/env node
/**
 * The ingest benchmark: `decnet ingest` throughput (lines/s) for generated
 * DECNET logs into SQLite and into PostgreSQL (a throwaway local cluster),
 * against baselines measured in the same run (raw driver inserts of the same
 * rows, already parsed; and the parser alone).
 *
 *   node --import tsx bench/ingest.js [--lines N] [--runs N] [--systems sqlite,postgres] [--write FILE]
 *
 * decnet's figure is end to end: `node bin/run.js ingest FILE --db URL` as a
 * process (start-up, migrations, reading, parsing, batched inserts, the final
 * checkpoint), timed from spawn to exit, on a fresh database per run. Besides
 * wall-clock lines/s it reports the CPU seconds (user + system, all threads)
 * per million lines of the measured process (client side only for
 * PostgreSQL), which moves less when the machine is busy. Prints a markdown report on stdout and progress on stderr. Needs a
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
  progress(`${kind}: decnet ingest`)
  const decnet = await median(runs, () => withFresh(kind, (url) => decnetIngest(url)))
  rows.push([kind, kind === 'sqlite' ? 'baseline: raw better-sqlite3 prepared INSERT loop (rows pre-parsed)' : 'baseline: raw pg multi-row INSERTs (rows pre-parsed)', baseline])
  rows.push([kind, 'decnet ingest (end to end: process, parse, insert)', decnet, baseline])
}

const machine = describeMachine()
const lines = [
  `# decnet ingest benchmark`,
  '',
  `${machine.cpuModel}, ${machine.nproc} CPUs, ${machine.memoryGiB.toFixed(1)} GiB, node ${machine.node}, kernel ${machine.kernel}; load average at the start ${loadAtStart}, at the end ${loadAverage()}`,
  `${lineCount.toLocaleString('en-US')} generated lines (${megabytes.toFixed(0)} MiB), median of ${runs} run(s) each; target: decnet ingest into SQLite >= ${TARGET_SQLITE.toLocaleString('en-US')} lines/s`,
  '',
  markdownTable(
    ['database', 'what', 'lines', 'seconds', 'lines/s', 'CPU-s per 1M lines', 'lines/s vs baseline', 'CPU vs baseline'],
    rows.map(([db, what, figure, baseline]) => [
      db,
      what,
      figure.rows.toLocaleString('en-US'),
      figure.seconds.toFixed(2),
      Math.round(figure.rows / figure.seconds).toLocaleString('en-US'),
      cpuPerMillion(figure).toFixed(2),
      baseline ? `${((figure.rows / figure.seconds / (baseline.rows / baseline.seconds)) * 100).toFixed(0)}%` : '',
      baseline ? `${(cpuPerMillion(figure) / cpuPerMillion(baseline)).toFixed(2)}x` : '',
    ]),
    ['l', 'l', 'r', 'r', 'r', 'r', 'r', 'r'],
  ),
]
const sqliteFigure = rows.find(([db, what]) => db === 'sqlite' && what.startsWith('decnet'))?.[2]
if (sqliteFigure) {
  const rate = sqliteFigure.rows / sqliteFigure.seconds
  lines.push('', `target (SQLite >= ${TARGET_SQLITE.toLocaleString('en-US')} lines/s): ${rate >= TARGET_SQLITE ? 'met' : 'NOT met'} (${Math.round(rate).toLocaleString('en-US')} lines/s)`)
}

const report = `${lines.join('\n')}\n`
process.stdout.write(report)
if (flags.write) writeFileSync(flags.write, report)

/** CPU seconds (user + system, all threads of the measured process) per million lines. */
function cpuPerMillion(figure) {
  return (figure.cpuSeconds / figure.rows) * 1e6
}

/** `decnet ingest` as a process on the generated file: wall time from spawn to exit, and its CPU time. */
async function decnetIngest(url) {
  const cpuFile = join(dir, 'cpu')
  const started = performance.now()
  const out = await child(process.execPath, ['--require', CPU_AT_EXIT, BIN, 'ingest', logFile, '--db', url, '--json'], {BENCH_CPU_FILE: cpuFile})
  return {rows: out.accepted + out.rejected, seconds: (performance.now() - started) / 1000, cpuSeconds: Number(readFileSync(cpuFile, 'utf8'))}
}

async function withFresh(kind, use) {
  const database = await freshDatabase(kind)
  try {
    await withDatabase(database.url, (db) => migrateToLatest(db))
    return await use(database.url)
  } finally {
    await database.cleanup()
  }
}

async function median(count, measure) {
  const figures = []
  for (let i = 0; i < count; i++) figures.push(await measure())
  figures.sort((a, b) => a.rows / a.seconds - b.rows / b.seconds)
  return figures[Math.floor(figures.length / 2)]
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
