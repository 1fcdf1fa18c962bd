#!/usr/bin/env node
/**
 * The ttp worker's idle memory: starts `decnet fleet heavy` on an empty
 * SQLite database, waits until its ttp worker has drained (nothing to tag),
 * lets it idle, and reads the worker's USS (Private_Clean + Private_Dirty of
 * /proc/PID/smaps_rollup) a few times. The baseline is the same measurement,
 * in the same run, of another build (`--baseline-dir`, a built checkout).
 *
 *   npm run build && node bench/ttp-idle-memory.js [--baseline-dir DIR] [--samples 5]
 *
 * Issue 17 sets the target: at most 16 MiB with the rule pack and the ATT&CK catalog loaded.
 */
import {spawn} from 'node:child_process'
import {mkdtempSync, readFileSync, rmSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {dirname, join} from 'node:path'
import {fileURLToPath} from 'node:url'
import {setTimeout as delay} from 'node:timers/promises'
import {parseArgs} from 'node:util'

const ROOT = dirname(dirname(fileURLToPath(import.meta.url)))
const {values} = parseArgs({options: {'baseline-dir': {type: 'string'}, samples: {default: '5', type: 'string'}}})

function ussKiB(pid) {
  const rollup = readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8')
  const field = (name) => Number(new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(rollup)?.[1] ?? 0)
  return field('Private_Clean') + field('Private_Dirty')
}

async function measure(root) {
  const dir = mkdtempSync(join(tmpdir(), 'decnet-ttp-mem-'))
  const args = [join(root, 'bin/run.js'), 'fleet', 'heavy', '--db', `sqlite:${join(dir, 'decnet.sqlite')}`, '--interval', '3600']
  if (process.getuid() === 0) args.push('--allow-root')
  const env = {...process.env, DEBUG: '', DECNET_DATA_DIR: dir, DECNET_RUNTIME_DIR: join(dir, 'run')}
  const child = spawn(process.execPath, args, {env, stdio: ['ignore', 'pipe', 'pipe']})
  let output = ''
  const pid = await new Promise((resolve, reject) => {
    const look = (chunk) => {
      output += chunk
      const match = /worker ttp ready \(pid (\d+)\)/.exec(output)
      if (match) resolve(Number(match[1]))
    }
    child.stdout.setEncoding('utf8').on('data', look)
    child.stderr.setEncoding('utf8').on('data', look)
    child.once('exit', (code) => reject(new Error(`fleet exited ${code}: ${output}`)))
  })
  try {
    await delay(8000) // the first (empty) pass, then idle
    const samples = []
    for (let i = 0; i < Number(values.samples); i++) {
      samples.push(ussKiB(pid))
      await delay(1000)
    }
    return samples.reduce((a, b) => a + b, 0) / samples.length / 1024
  } finally {
    child.kill('SIGTERM')
    await new Promise((resolve) => child.once('exit', resolve))
    rmSync(dir, {force: true, recursive: true})
  }
}

const rows = [['this build', ROOT]]
if (values['baseline-dir']) rows.push(['baseline', values['baseline-dir']])
for (const [name, root] of rows) console.log(`${name.padEnd(10)} ttp worker idle USS ${(await measure(root)).toFixed(2)} MiB  (${root})`)
