#!/usr/bin/env node
/**
 * The in-memory tagger (log semantics + matcher + tag ids) over a mixed
 * corpus (bench/lib/gen-logs.js: brute force, commands, HTTP, SQL, Redis),
 * this build against another built checkout in the same run, interleaved.
 *
 *   npm run build && node bench/tagger-compare.js --baseline-dir DIR [--count 50000] [--reps 5]
 */
import {join} from 'node:path'
import {performance} from 'node:perf_hooks'
import {parseArgs} from 'node:util'

import {parseLine} from '../dist/logs/parse.js'
import {generateLines} from './lib/gen-logs.js'

const {values} = parseArgs({options: {'baseline-dir': {type: 'string'}, count: {default: '50000', type: 'string'}, reps: {default: '5', type: 'string'}}})
const ROOT = new URL('..', import.meta.url).pathname

async function tagger(root) {
  const {loadRules} = await import(join(root, 'dist/ttp/rule-loader.js'))
  const {Matcher} = await import(join(root, 'dist/ttp/matcher.js'))
  const {tagLogs} = await import(join(root, 'dist/ttp/tagger.js'))
  const {attackVersion, rules} = await loadRules()
  const matcher = new Matcher(rules, {attackVersion})
  return (rows) => tagLogs(rows, matcher).tags.length
}

const rows = []
for (const line of generateLines(Number(values.count))) {
  const parsed = parseLine(line)
  if (!parsed.ok) continue
  const {line: l} = parsed
  rows.push({attacker_ip: l.attackerIp, event_type: l.eventType, fields: JSON.stringify(l.fields), id: rows.length + 1, msg: l.msg, timestamp: l.timestamp})
}

const runs = [['this build', await tagger(ROOT)]]
if (values['baseline-dir']) runs.push(['baseline', await tagger(values['baseline-dir'])])
const times = new Map(runs.map(([name]) => [name, []]))
const tags = new Map()
for (const [, run] of runs) for (let i = 0; i < rows.length; i += 5000) run(rows.slice(i, i + 5000)) // warm up both
for (let rep = 0; rep < Number(values.reps); rep++) {
  // alternate which build goes first: the second of a pair ran measurably faster when they always took turns in one order
  for (const [name, run] of rep % 2 === 0 ? runs : [...runs].reverse()) {
    const start = performance.now()
    let count = 0
    for (let i = 0; i < rows.length; i += 5000) count += run(rows.slice(i, i + 5000))
    times.get(name).push(performance.now() - start)
    tags.set(name, count)
  }
}

for (const [name, list] of times) {
  const median = list.sort((a, b) => a - b)[Math.floor(list.length / 2)]
  console.log(`${name.padEnd(10)} ${rows.length} events: ${Math.round(rows.length / (median / 1000)).toLocaleString('en-US')} events/s (median of ${list.length}), ${tags.get(name)} tags`)
}
