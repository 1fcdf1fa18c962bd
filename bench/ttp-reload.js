#!/usr/bin/env node
/**
 * What a rule reload costs the ttp worker (`decnet fleet reload`, SIGHUP): its
 * event loop is busy for that long, once per reload. Measured in one process,
 * interleaved, the median of --reps runs of each:
 *
 * - load: `loadRules` alone (read, compile, check the shipped pack): the
 *   same-run baseline, what the worker already paid at start;
 * - reload: `LiveRules.reload()`: the same, plus reading the rule state (with
 *   --state-rules entries) and applying it, and building the matcher;
 * - expiry: what an expiry costs (the state re-applied to the rules in memory,
 *   the matcher rebuilt; nothing read).
 *
 *   node --import tsx bench/ttp-reload.js [--reps 9] [--state-rules 50]
 */
import {mkdtempSync, rmSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {performance} from 'node:perf_hooks'
import {parseArgs} from 'node:util'

import {Matcher} from '../src/ttp/matcher.js'
import {loadRules} from '../src/ttp/rule-loader.js'
import {applyRuleState} from '../src/ttp/rule-state.js'
import {readRuleState, writeRuleState} from '../src/ttp/rule-state-store.js'
import {LiveRules} from '../src/workers/ttp/live-rules.js'
import {describeMachine, loadAverage, machineHeader} from './lib/machine.js'
import {markdownTable} from './lib/markdown-table.js'
import {fixed, median, ratio} from './lib/stats.js'

const {values} = parseArgs({options: {reps: {default: '9', type: 'string'}, 'state-rules': {default: '50', type: 'string'}}})
const reps = Number(values.reps)
const stateRules = Number(values['state-rules'])
if (!Number.isInteger(reps) || reps < 1) throw new Error(`Expected \`--reps\` to be a positive integer, got \`${values.reps}\``)
if (!Number.isInteger(stateRules) || stateRules < 0) throw new Error(`Expected \`--state-rules\` to be a whole number, got \`${values['state-rules']}\``)

const dir = mkdtempSync(join(tmpdir(), 'decnet-bench-reload-'))
try {
  const statePath = join(dir, 'rule-state.json')
  const shipped = await loadRules()
  // a state naming the first rules: every other one off, the rest capped, one in three expiring in a year
  const rules = {}
  for (const [index, rule] of shipped.rules.slice(0, stateRules).entries()) {
    rules[rule.id] = index % 2 === 0 ? {enabled: false} : {confidenceCap: 0.5, ...(index % 3 === 0 ? {expires: new Date(Date.now() + 365 * 86_400_000).toISOString()} : {})}
  }

  await writeRuleState(statePath, {rules})
  const live = await LiveRules.load({log() {}, statePath, warn() {}})
  const state = await readRuleState(statePath)
  const times = {expiry: [], load: [], reload: []}
  for (let rep = 0; rep < reps; rep++) {
    let start = performance.now()
    await loadRules()
    times.load.push(performance.now() - start)
    start = performance.now()
    if (!(await live.reload())) throw new Error('the reload was refused')
    times.reload.push(performance.now() - start)
    start = performance.now()
    const applied = applyRuleState(shipped, state, Date.now(), statePath)
    void new Matcher(applied.rules, {attackVersion: applied.attackVersion})
    times.expiry.push(performance.now() - start)
  }

  const load = median(times.load)
  console.log(`# ttp rule reload (${shipped.rules.length} shipped rules, a rule state of ${stateRules} entries, median of ${reps})\n`)
  console.log(machineHeader(describeMachine()).join('\n'))
  console.log(`- load average at the end: ${loadAverage()}\n`)
  console.log(
    markdownTable(
      ['what', 'ms (median)', 'vs load'],
      [
        ['load (loadRules: the baseline)', fixed(load, 1), ratio(load, load)],
        ['reload (LiveRules.reload)', fixed(median(times.reload), 1), ratio(median(times.reload), load)],
        ['expiry (state re-applied, matcher rebuilt)', fixed(median(times.expiry), 2), ratio(median(times.expiry), load)],
      ],
      ['l', 'r', 'r'],
    ),
  )
} finally {
  rmSync(dir, {force: true, recursive: true})
}
