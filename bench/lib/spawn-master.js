/**
 * Starts a process under measurement: in its own process group (so the
 * reaper can kill it and everything it forked), stdout/stderr captured line
 * by line with arrival times, exit recorded with its time.
 */
import {spawn} from 'node:child_process'

import {LineLog, captureStream} from './line-log.js'

/**
 * Spawns `command args` and returns a handle:
 * `{child, pid, t0, out, err, all, exited}` where `t0` is performance.now() just
 * before spawn(), `out`/`err` are {@link LineLog}s (`all` has both, merged by line) and `exited` resolves to
 * `{code, signal, t}` ('exit' event time).
 */
export function spawnMaster(command, args, {cwd, env, label, reaper}) {
  const all = new LineLog()
  const out = new LineLog(all)
  const err = new LineLog(all)
  const t0 = performance.now()
  const child = spawn(command, args, {cwd, detached: true, env, stdio: ['ignore', 'pipe', 'pipe']})
  reaper.trackGroup(child.pid, label)
  captureStream(child.stdout, out)
  captureStream(child.stderr, err)
  const exited = new Promise((resolve, reject) => {
    child.once('error', reject)
    child.once('exit', (code, signal) => {
      const t = performance.now()
      resolve({code, signal, t})
    })
  })
  // waiters fail once the output is complete, not at 'exit' (which may come
  // before the last lines were read)
  child.once('close', (code, signal) => {
    for (const log of [out, err, all]) log.fail(`${label} exited (code ${code}, signal ${signal})`)
  })
  return {all, child, err, exited, out, pid: child.pid, t0}
}
