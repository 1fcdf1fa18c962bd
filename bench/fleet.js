#!/usr/bin/env node
/**
 * The supervisor benchmark: decnet fleet vs a bare node:cluster primary vs
 * PM2 cluster mode, for idle no-op fleets of 2 and 8 workers, in one run.
 *
 *   node bench/fleet.js [--runs N] [--quick] [--sizes 2,8] [--systems bare,decnet,pm2]
 *                       [--idle SECONDS] [--write FILE] [--check]
 *                       [--wait-quiet SECONDS] [--user NAME|none] [--timeout SECONDS]
 *
 *   --runs N          start/stop cycles per system and size (median); default 5 (--quick: 2)
 *   --quick           2 runs, 3 s idle window, 2 crashes: a smoke run, not a record
 *   --idle SECONDS    idle window for the CPU figure; default 10
 *   --settle SECONDS  wait after "ready" before the idle window; default 20 (--quick: 1)
 *   --soak SECONDS    read memory again this much later (memory that creeps); default 0
 *   --user NAME|none  decnet's --user (default nobody; `none`: children stay root, --allow-root)
 *   --wait-quiet S    before each measurement, wait for other work on the machine to calm
 *                     down (< 15% busy), spending at most S seconds in all; default 0
 *   --write FILE      also write the report there
 *   --check           exit 2 when a target fails (errors always exit 1)
 *
 * Prints a markdown report (machine, table with ratios vs the bare
 * baseline, targets with pass/fail, methods, raw samples) on stdout, and
 * progress on stderr. Never touches the network. Every process it starts is
 * in a process group it kills at the end, even on failure or Ctrl-C.
 * Linux only (reads /proc); run as root for decnet's `--user nobody`.
 */
import {execFileSync} from 'node:child_process'
import {readFileSync, writeFileSync} from 'node:fs'
import {createRequire} from 'node:module'
import {parseArgs} from 'node:util'

import {describeMachine, loadAverage, machineHeader} from './lib/machine.js'
import {cycle, steadyRun} from './lib/protocol.js'
import {clockTicksPerSecond} from './lib/proc.js'
import {QuietGate} from './lib/quiet-gate.js'
import {Reaper} from './lib/reaper.js'
import {evaluateTargets, figuresTable, sampleLines, targetLines} from './lib/report.js'
import {BareCluster} from './lib/systems/bare-cluster.js'
import {DecnetFleet} from './lib/systems/decnet-fleet.js'
import {Pm2Cluster} from './lib/systems/pm2-cluster.js'

const CPU_LIMIT_PCT = 0.5

const {values: flags} = parseArgs({
  options: {
    check: {default: false, type: 'boolean'},
    idle: {type: 'string'},
    quick: {default: false, type: 'boolean'},
    runs: {type: 'string'},
    settle: {type: 'string'},
    sizes: {default: '2,8', type: 'string'},
    soak: {default: '0', type: 'string'},
    systems: {default: 'bare,decnet,pm2', type: 'string'},
    timeout: {default: '30', type: 'string'},
    user: {default: 'nobody', type: 'string'},
    'wait-quiet': {default: '0', type: 'string'},
    write: {type: 'string'},
  },
})

const positive = (name, text) => {
  const value = Number(text)
  if (!Number.isFinite(value) || value <= 0) throw new Error(`Expected \`--${name}\` to be a positive number, got \`${text}\``)
  return value
}
const runs = positive('runs', flags.runs ?? (flags.quick ? '2' : '5'))
const idleS = positive('idle', flags.idle ?? (flags.quick ? '3' : '10'))
// V8's memory reducer runs its full GCs in the ~8-20 s after a process stops
// allocating: before that, a master still sheds start-up garbage (CPU, USS)
const settleS = positive('settle', flags.settle ?? (flags.quick ? '1' : '20'))
const soakS = flags.soak === '0' ? 0 : positive('soak', flags.soak)
const timeoutMs = positive('timeout', flags.timeout) * 1000
const sizes = flags.sizes.split(',').map((s) => positive('sizes', s))
const plan = {
  crashes: flags.quick ? 2 : 5,
  idleMs: idleS * 1000,
  pauseMs: flags.quick ? 200 : 500,
  settleMs: settleS * 1000,
  soakMs: soakS * 1000,
}

const progress = (message) => process.stderr.write(`bench: ${message}\n`)
const reaper = new Reaper()
reaper.install((signal) => {
  progress(`${signal}: cleaning up`)
  process.exit(130)
})

const env = {HOME: process.env.HOME ?? '/root', LANG: 'C.UTF-8', PATH: process.env.PATH ?? '/usr/bin:/bin'}
const common = {env, reaper, timeoutMs}
const available = {
  bare: () => new BareCluster(common),
  decnet: () => new DecnetFleet({...common, user: flags.user === 'none' ? '' : flags.user}),
  pm2: () => new Pm2Cluster(common),
}
const systems = flags.systems.split(',').map((key) => {
  if (!available[key]) throw new Error(`Expected \`--systems\` to list bare, decnet, pm2, got \`${key}\``)
  return available[key]()
})

const errors = []
const failed = new Set()
async function attempt(system, what, fn) {
  if (failed.has(system.key)) return undefined
  try {
    return await fn()
  } catch (error) {
    failed.add(system.key)
    errors.push(`${system.label} (${what}): ${error.message}`)
    progress(`${system.label} failed during ${what}: ${error.message}`)
    const killed = reaper.killAll()
    if (killed.length > 0) progress(`killed ${killed.join(', ')}`)
    return undefined
  }
}

const machine = describeMachine()
// other work on the machine skews every time measured: before each measurement, wait
// (up to --wait-quiet s over the whole run) for a quiet moment
const QUIET = 0.15
const gate = new QuietGate({budgetS: Number(flags['wait-quiet']), progress, threshold: QUIET})
const busyBefore = await gate.wait('the run')
const loadBefore = loadAverage()
const clockTicks = clockTicksPerSecond()
const results = {}
for (const size of sizes) {
  results[size] = {}
  for (const system of systems) results[size][system.key] = {ready: [], stops: [], warm: []}
}

for (const system of systems) await attempt(system, 'setup', () => system.setup())
progress('warm-up: one unmeasured start/stop per system')
for (const system of systems) await attempt(system, 'warm-up', () => cycle(system, sizes[0], plan))

for (const size of sizes) {
  for (let run = 1; run <= runs; run++) {
    for (const system of systems) {
      if (!failed.has(system.key)) await gate.wait(`fleet ${size} run ${run} of ${system.label}`)
      progress(`fleet ${size}, run ${run}/${runs}: ${system.label} start/stop`)
      const r = await attempt(system, `fleet ${size} run ${run}`, () => cycle(system, size, plan))
      if (r) {
        results[size][system.key].ready.push(r.readyMs)
        results[size][system.key].stops.push(r.stop)
      }
    }
  }
  const pm2 = systems.find((s) => s.key === 'pm2')
  if (pm2) {
    if (!failed.has(pm2.key)) await gate.wait(`fleet ${size} PM2 warm starts`)
    progress(`fleet ${size}: PM2 warm starts`)
    await attempt(pm2, `fleet ${size} warm start`, async () => {
      await pm2.ensureDaemon()
      for (let run = 1; run <= runs; run++) results[size].pm2.warm.push(await pm2.warmStart(size))
      await pm2.kill()
    })
  }
  for (const system of systems) {
    if (!failed.has(system.key)) await gate.wait(`fleet ${size} steady run of ${system.label}`)
    progress(`fleet ${size}: ${system.label} steady run (${settleS} s settle, ${idleS} s idle${soakS ? `, ${soakS} s soak` : ''}, ${plan.crashes} crashes)`)
    const steady = await attempt(system, `fleet ${size} steady run`, () => steadyRun(system, size, {...plan, clockTicks}))
    if (steady) results[size][system.key].steady = steady
  }
}
for (const system of systems) await attempt(system, 'teardown', () => system.teardown())

const loadAfter = loadAverage()
const require = createRequire(import.meta.url)
const versionOf = (pjson) => JSON.parse(readFileSync(require.resolve(pjson), 'utf8')).version
const commit = execFileSync('git', ['rev-parse', '--short', 'HEAD'], {cwd: new URL('..', import.meta.url), encoding: 'utf8'}).trim()
const otherBusy = sizes.flatMap((size) => systems.map((s) => results[size][s.key].steady?.cpu.otherBusy)).filter((b) => b !== undefined)
const busyText = otherBusy.length === 0 ? '' : `; during the idle windows (our fleets idle) the machine was ${(Math.min(...otherBusy) * 100).toFixed(0)}–${(Math.max(...otherBusy) * 100).toFixed(0)}% busy with other work${Math.max(...otherBusy) > QUIET ? ' — **times are skewed by it**' : ''}`
const targets = evaluateTargets(sizes, results, {cpuLimitPct: CPU_LIMIT_PCT})
const decnet = systems.find((s) => s.key === 'decnet')
const report = [
  '# decnet fleet benchmark: decnet vs bare node:cluster vs PM2 cluster mode',
  '',
  ...machineHeader(machine),
  `- compared: decnet ${versionOf('../package.json')} (commit ${commit}, dist/ as built in the working tree), PM2 ${versionOf('pm2/package.json')}, node:cluster of node ${process.version}`,
  `- other work on the machine (it skews every time): ${(busyBefore * 100).toFixed(0)}% of all CPUs busy before the run, at most ${(Math.max(...gate.samples) * 100).toFixed(0)}% in the 1 s before any measurement${flags['wait-quiet'] === '0' ? '' : ` (each waited up to a shared --wait-quiet ${flags['wait-quiet']} s for < ${QUIET * 100}%)`}${busyText}; load average ${loadBefore} before, ${loadAfter} after`,
  `- run: ${new Date().toISOString()}, \`node bench/fleet.js${process.argv.slice(2).map((a) => ` ${a}`).join('')}\`; ${runs} start/stop runs per system and size (medians), ${plan.crashes} crashes, ${settleS} s settle then ${idleS} s idle window${soakS ? `, memory again after a ${soakS} s soak` : ''}${flags.quick ? ' (--quick: a smoke run, not a record)' : ''}`,
  `- fleets: idle no-op workers (bench/fixtures/noop-app.js for bare and PM2)${decnet ? `; decnet runs \`fleet bench-noop-N\` (profile database, ${decnet.user ? `\`--user ${decnet.user}\`` : '`--allow-root`'}) from the bench-only plugin bench/fixtures/noop-plugin, linked through a temporary DECNET_DATA_DIR` : ''}`,
  '',
  figuresTable(sizes, results, idleS, soakS),
  '',
  '## Targets (decnet)',
  '',
  ...targetLines(targets),
  '',
  '## Methods',
  '',
  '- start → ready: from spawn() of the command to the arrival, on the harness\'s end of the stdout pipe, of the line saying every worker is ready (decnet: `[decnet] fleet NAME ready`; bare: `fleet ready N` after every worker\'s `ready` IPC message).',
  '- memory: /proc/PID/smaps_rollup after the settle period and the idle window; USS = Private_Clean + Private_Dirty; children averaged; 1 MiB = 1024 kB.',
  '- idle CPU: utime+stime delta from /proc/PID/stat over the idle window, after a settle period.',
  '- crash: SIGKILL one child from the harness, time until the master records the exit; the next kill waits until the replacement is ready.',
  ...systems.map((s) => `- ${s.label}: crash = ${s.crashMethod}; stop = ${s.stopMethod}${s.readyMethod ? `; ready = ${s.readyMethod}` : ''}.`),
  '',
  '## Samples',
  '',
  ...sampleLines(sizes, results, systems),
  ...(errors.length > 0 ? ['', '## Errors', '', ...errors.map((e) => `- ${e}`)] : []),
  '',
].join('\n')

process.stdout.write(report)
if (flags.write) writeFileSync(flags.write, report)
const targetFailed = targets.some((t) => t.pass === false)
process.exitCode = errors.length > 0 ? 1 : flags.check && targetFailed ? 2 : 0
