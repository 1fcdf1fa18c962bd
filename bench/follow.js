#!/usr/bin/env node
/**
 * The follow benchmark (issue 18 §1): `decnet ingest --follow` into SQLite.
 *
 *   node bench/follow.js [--lines N] [--rate R] [--seconds S]
 *
 * 1. Throughput: a generated log of N lines (default 500,000) followed from
 *    its start until the commit of its last line (the debug line printed
 *    after each commit), against the same-run baseline `decnet ingest FILE`
 *    (which parses on a second thread), each on a fresh database, process
 *    start included.
 * 2. Latency: R lines/s (default 1,000) appended for S seconds (default 10)
 *    to a followed file; per line, the time from its write to the commit
 *    that covered it (as the follower reports it on stderr), with the
 *    default --flush of 1 s. Target: p99 <= 1.5 s.
 *
 * Prints a markdown report on stdout. Needs a build (dist/).
 */
import {spawn} from 'node:child_process'
import {appendFileSync, mkdtempSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {fileURLToPath} from 'node:url'
import {parseArgs} from 'node:util'

import {writeLogFile} from './lib/gen-logs.js'
import {describeMachine, loadAverage} from './lib/machine.js'
import {markdownTable} from './lib/markdown-table.js'

const BIN = fileURLToPath(new URL('../bin/run.js', import.meta.url))
const {values} = parseArgs({options: {lines: {type: 'string', default: '500000'}, rate: {type: 'string', default: '1000'}, seconds: {type: 'string', default: '10'}}})
const lines = Number(values.lines)
const rate = Number(values.rate)
const seconds = Number(values.seconds)
const dir = mkdtempSync(join(tmpdir(), 'decnet-bench-follow-'))

/** Spawns `decnet ARGS` with DEBUG=decnet:ingest; calls onCommit(line, ms) for each commit it reports. */
function start(args, onCommit) {
  const child = spawn(process.execPath, [BIN, ...args], {env: {...process.env, DEBUG: 'decnet:ingest', DEBUG_COLORS: '0'}, stdio: ['ignore', 'ignore', 'pipe']})
  let buffer = ''
  child.stderr.setEncoding('utf8').on('data', (data) => {
    buffer += data
    for (let nl = buffer.indexOf('\n'); nl !== -1; nl = buffer.indexOf('\n')) {
      const match = /up to line (\d+),/.exec(buffer.slice(0, nl))
      buffer = buffer.slice(nl + 1)
      if (match) onCommit(Number(match[1]), performance.now())
    }
  })
  return {child, exited: new Promise((resolve) => child.once('close', resolve))}
}

async function throughput(file) {
  const began = performance.now()
  const batch = start(['ingest', file, '--db', join(dir, 'batch.sqlite')], () => undefined)
  await batch.exited
  const batchSeconds = (performance.now() - began) / 1000
  let done
  const finished = new Promise((resolve) => (done = resolve))
  const followBegan = performance.now()
  const follow = start(['ingest', '--follow', file, '--db', join(dir, 'follow.sqlite')], (line, at) => line >= lines && done(at))
  const at = await finished
  follow.child.kill('SIGTERM')
  await follow.exited
  return {batch: lines / batchSeconds, follow: lines / ((at - followBegan) / 1000)}
}

async function latency() {
  const file = join(dir, 'trickle.log')
  writeFileSync(file, '')
  const commits = []
  let ready
  const following = new Promise((resolve) => (ready = resolve))
  const run = start(['ingest', '--follow', file, '--db', join(dir, 'trickle.sqlite'), '--flush', '1'], (line, at) => commits.push([line, at]))
  run.child.stderr.on('data', (data) => String(data).includes('following ') && ready())
  await following
  const written = []
  const total = rate * seconds
  let n = 0
  const began = performance.now()
  await new Promise((resolve) => {
    const tick = setInterval(() => {
      let text = ''
      const due = Math.min(total, Math.floor(((performance.now() - began) / 1000) * rate))
      while (n < due) {
        n++
        text += `<38>1 2026-11-26T13:32:00.000Z decky-1 ssh - login_failed [relay@55555 src_ip="192.0.2.1"] attempt ${n}\n`
        written[n] = performance.now()
      }

      if (text) appendFileSync(file, text)
      if (n >= total) resolve(clearInterval(tick))
    }, 5)
  })
  while (commits.length === 0 || commits.at(-1)[0] < total) await new Promise((resolve) => run.child.stderr.once('data', resolve))
  run.child.kill('SIGTERM')
  await run.exited
  const waits = []
  let c = 0
  for (let i = 1; i <= total; i++) {
    while (commits[c][0] < i) c++
    waits.push(commits[c][1] - written[i])
  }

  waits.sort((a, b) => a - b)
  const at = (q) => waits[Math.min(waits.length - 1, Math.floor(waits.length * q))].toFixed(0)
  return {commits: commits.length, p50: at(0.5), p99: at(0.99), max: waits.at(-1).toFixed(0)}
}

try {
  const file = join(dir, 'decnet.log')
  await writeLogFile(file, lines)
  const machine = describeMachine()
  const loadBefore = loadAverage()
  const speed = await throughput(file)
  const wait = await latency()
  console.log(`machine: ${machine.nproc} cores, ${machine.cpuModel}, node ${machine.node}; load average before ${loadBefore}, after ${loadAverage()}\n`)
  console.log(markdownTable(['measure', 'decnet ingest --follow', 'same-run baseline'], [
    [`${lines.toLocaleString('en')} lines into SQLite, lines/s`, Math.round(speed.follow).toLocaleString('en'), `decnet ingest FILE: ${Math.round(speed.batch).toLocaleString('en')} (ratio ${(speed.follow / speed.batch).toFixed(2)})`],
    [`${rate} lines/s for ${seconds} s: write to commit, ms`, `p50 ${wait.p50}, p99 ${wait.p99}, max ${wait.max} (${wait.commits} commits)`, '--flush 1 s: the bound a trickle waits'],
  ]))
} finally {
  rmSync(dir, {recursive: true, force: true})
}
