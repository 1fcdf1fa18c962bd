#!/usr/bin/env node
/**
 * Memory benchmark on hostile data: a database full of 64 KiB attacker lines
 * (every one a command event whose command fills the line), and the peak RSS
 * of the processes that read it: the profiler's cold build (the whole history
 * drained from an empty profile, as the worker does it) and `decnet attackers
 * --json` (and `decnet attackers show IP --json` for the attacker with the
 * most commands). Each runs in a process of its own, its peak RSS taken from
 * getrusage at exit (all threads). The baseline is measured in the same run,
 * on the same database: the same processes from a build of the code before
 * the change (`--baseline-rev`, built into a temporary directory, or an
 * already built checkout with `--baseline-dir`).
 *
 *   npm run build && node --import tsx bench/memory.js [--lines 5000] [--attackers 50] [--dialects sqlite,postgres]
 *     [--baseline-rev bf3cda4 | --baseline-dir DIR] [--json FILE]
 *
 * PostgreSQL: DECNET_TEST_PG_URL when set, else a throwaway local cluster (test/helpers/pg.js).
 */
import {execFileSync, spawn} from 'node:child_process'
import {once} from 'node:events'
import {existsSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {dirname, join} from 'node:path'
import {fileURLToPath} from 'node:url'
import {parseArgs} from 'node:util'

import {migrateToLatest, openDatabase} from '../dist/db/index.js'
import {freshDatabase, skipReason} from '../test/helpers/databases.js'
import {describeMachine, loadAverage, machineHeader} from './lib/machine.js'
import {markdownTable} from './lib/markdown-table.js'

const ROOT = dirname(dirname(fileURLToPath(import.meta.url)))
const RSS_HOOK = join(ROOT, 'bench/lib/max-rss-at-exit.mjs')
const COLD_BUILD = join(ROOT, 'bench/lib/profiler-cold-build.mjs')
/** The longest line `decnet ingest` takes is 64 KiB; the command fills what the header leaves. */
const COMMAND_CHARS = 64 * 1024 - 200

const {values} = parseArgs({
  options: {
    attackers: {default: '50', type: 'string'},
    'baseline-dir': {type: 'string'},
    'baseline-rev': {default: 'bf3cda4', type: 'string'},
    dialects: {default: 'sqlite,postgres', type: 'string'},
    json: {type: 'string'},
    lines: {default: '5000', type: 'string'},
  },
})
const lines = positiveInteger(values.lines, '--lines')
const attackers = positiveInteger(values.attackers, '--attackers')
const dialects = values.dialects.split(',').map((d) => d.trim())
const work = mkdtempSync(join(tmpdir(), 'decnet-bench-memory-'))
process.on('exit', () => rmSync(work, {force: true, recursive: true}))

const baseline = values['baseline-dir'] ?? buildBaseline(values['baseline-rev'])
const builds = [
  {dir: baseline, name: `baseline (${values['baseline-dir'] ? 'given' : values['baseline-rev']})`},
  {dir: ROOT, name: `this build (${revision()})`},
]

const machine = describeMachine()
const results = []
for (const kind of dialects) {
  const skip = skipReason(kind)
  if (skip) {
    console.error(`${kind}: skipped (${skip})`)
    continue
  }

  const database = await freshDatabase(kind)
  try {
    await fill(database.url)
    const top = '198.51.100.1' // every attacker has about lines / attackers commands
    // Each profiler's own batches (the change shortens them), then both CLIs over them.
    for (const profiler of builds) {
      const cold = await measure([COLD_BUILD, join(profiler.dir, 'dist'), database.url])
      const tick = JSON.parse(cold.stdout)
      results.push({dialect: kind, build: profiler.name, what: 'profiler cold build', batchesBy: '-', rssMiB: cold.rssMiB, note: `${tick.lines} lines, ${tick.ticks} ticks, ${tick.seconds.toFixed(1)} s`})
      for (const cli of builds) {
        const list = await measure([join(cli.dir, 'bin/run.js'), 'attackers', '--json', '--db', database.url])
        results.push({dialect: kind, build: cli.name, what: 'attackers --json', batchesBy: profiler.name, rssMiB: list.rssMiB, note: `${(list.bytes / 1e6).toFixed(1)} MB out`})
        const show = await measure([join(cli.dir, 'bin/run.js'), 'attackers', 'show', top, '--json', '--db', database.url])
        results.push({dialect: kind, build: cli.name, what: `attackers show (${top}) --json`, batchesBy: profiler.name, rssMiB: show.rssMiB, note: `${(show.bytes / 1e6).toFixed(1)} MB out`})
      }
    }
  } finally {
    await database.cleanup()
  }
}

report()

/** `lines` command events over `attackers` IPs, each line 64 KiB, inserted as ingest would store them. */
async function fill(url) {
  const db = await openDatabase(url)
  try {
    await migrateToLatest(db)
    const start = Date.UTC(2026, 11, 1, 0, 0, 0)
    const chunk = []
    for (let i = 0; i < lines; i++) {
      const ip = `198.51.100.${(i % attackers) + 1}`
      const timestamp = new Date(start + i * 1000).toISOString()
      // a command no two lines share, the way a hostile feed would fill it
      const command = `echo ${i} ${String(i).padStart(8, '0').repeat(COMMAND_CHARS / 8)}`.slice(0, COMMAND_CHARS)
      chunk.push({
        attacker_ip: ip, decky: `decky-0${(i % 3) + 1}`, event_type: 'command', fields: JSON.stringify({command, src_ip: ip}), msg: null,
        raw_line: `<13>1 ${timestamp} decky-01 ssh - command - ${command}`, service: 'ssh', timestamp,
      })
      if (chunk.length === 50 || i === lines - 1) {
        await db.insertInto('logs').values(chunk).execute()
        chunk.length = 0
      }
    }
  } finally {
    await db.destroy()
  }
}

/** Runs `node --import RSS_HOOK ...args`; resolves to its peak RSS (MiB), stdout and its size. */
async function measure(args) {
  const rssFile = join(work, `rss-${Date.now()}-${Math.random().toString(16).slice(2)}`)
  const child = spawn(process.execPath, ['--import', RSS_HOOK, ...args], {env: {...process.env, DECNET_BENCH_RSS_FILE: rssFile}, stdio: ['ignore', 'pipe', 'inherit']})
  let bytes = 0
  let stdout = ''
  child.stdout.on('data', (data) => {
    bytes += data.length
    if (stdout.length < 4096) stdout += data.toString()
  })
  const [code] = await once(child, 'exit')
  if (code !== 0) throw new Error(`${args.join(' ')} exited ${code}`)
  return {bytes, rssMiB: Number(readFileSync(rssFile, 'utf8')) / 1024, stdout}
}

/** Builds `rev` into a temporary directory (git archive, node_modules linked, npm run build). */
function buildBaseline(rev) {
  const dir = join(work, 'baseline')
  execFileSync('sh', ['-c', `mkdir -p "${dir}" && git -C "${ROOT}" archive ${rev} | tar -x -C "${dir}"`])
  symlinkSync(join(ROOT, 'node_modules'), join(dir, 'node_modules'))
  execFileSync('npm', ['run', 'build'], {cwd: dir, stdio: 'ignore'})
  if (!existsSync(join(dir, 'dist/index.js'))) throw new Error(`the baseline ${rev} did not build`)
  return dir
}

function revision() {
  const head = execFileSync('git', ['-C', ROOT, 'rev-parse', '--short', 'HEAD']).toString().trim()
  const dirty = execFileSync('git', ['-C', ROOT, 'status', '--porcelain', '--untracked-files=no']).toString().trim() !== ''
  return dirty ? `${head}+` : head
}

function report() {
  console.log([...machineHeader(machine), `- date: ${new Date().toISOString()}; load average at the end: ${loadAverage()}`].join('\n'))
  console.log(`\n${lines.toLocaleString('en-US')} lines of 64 KiB (${((lines * COMMAND_CHARS) / 2 ** 20).toFixed(0)} MiB of commands) over ${attackers} attackers; peak RSS of each process (getrusage, all threads).\n`)
  const rows = []
  for (const r of results) {
    const base = results.find((b) => b.dialect === r.dialect && b.what === r.what && b.batchesBy === r.batchesBy && b.build === builds[0].name)
    rows.push([r.dialect, r.what, r.batchesBy, r.build, r.rssMiB.toFixed(0), base ? `${(r.rssMiB / base.rssMiB).toFixed(2)}x` : '-', r.note])
  }

  console.log(markdownTable(['database', 'process', 'batches written by', 'build', 'peak RSS MiB', 'vs baseline', 'notes'], rows, ['l', 'l', 'l', 'l', 'r', 'r', 'l']))
  if (values.json) writeFileSync(values.json, JSON.stringify({attackers, lines, machine, results}, null, 2))
}

function positiveInteger(text, name) {
  const n = Number(text)
  if (!Number.isInteger(n) || n <= 0) throw new Error(`Expected \`${name}\` to be a positive integer, got \`${text}\``)
  return n
}
