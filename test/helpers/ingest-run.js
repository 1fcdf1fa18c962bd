/**
 * Runs the real `decnet ingest` with DEBUG=decnet:ingest, so a test can wait
 * for the event "a batch was committed" (the debug line printed right after
 * each commit) instead of sleeping, then act on the process (SIGKILL,
 * SIGINT, delete its database, feed it more of standard input).
 *
 * @example
 * ```js
 * const run = startIngest([file, '--db', url, '--batch', '1000'])
 * await run.committed(3000)          // the third batch is committed
 * run.child.kill('SIGKILL')
 * const {code, signal} = await run.done
 * ```
 */
import {spawn} from 'node:child_process'

import {withDatabase} from '../../dist/db/open.js'
import {BIN} from './run-cli.js'

/** How long a test waits for an event before failing (it should take well under a second). */
const EVENT_TIMEOUT_MS = 60_000

export function startIngest(args, {env = {}, keepStdin = false} = {}) {
  const child = spawn(process.execPath, [BIN, 'ingest', ...args], {
    env: {...process.env, ...env, DEBUG: 'decnet:ingest', DEBUG_COLORS: '0'},
    stdio: ['pipe', 'pipe', 'pipe'],
  })
  let stdout = ''
  let stderr = ''
  let lastCommitted = 0
  const waiters = new Set()
  child.stdout.setEncoding('utf8').on('data', (data) => (stdout += data))
  child.stderr.setEncoding('utf8').on('data', (data) => {
    stderr += data
    for (const [, line] of data.matchAll(/committed .*: up to line (\d+)/g)) lastCommitted = Math.max(lastCommitted, Number(line))
    for (const waiter of waiters) {
      if (lastCommitted >= waiter.line) {
        waiters.delete(waiter)
        clearTimeout(waiter.timer)
        waiter.resolve(lastCommitted)
      }
    }
  })
  if (!keepStdin) child.stdin.end()
  const done = new Promise((resolve) => {
    child.once('close', (code, signal) => {
      for (const waiter of waiters) {
        clearTimeout(waiter.timer)
        waiter.reject(new Error(`decnet ingest exited (code ${code}, signal ${signal}) before committing line ${waiter.line}\n${stderr}`))
      }

      resolve({code, signal, stdout, stderr})
    })
  })
  return {
    child,
    done,
    /** Resolves (with the last committed line) once a commit reached line `line`. */
    committed(line = 1) {
      return new Promise((resolve, reject) => {
        if (lastCommitted >= line) return resolve(lastCommitted)
        const waiter = {line, resolve, reject}
        waiter.timer = setTimeout(() => {
          waiters.delete(waiter)
          reject(new Error(`no commit reached line ${line} within ${EVENT_TIMEOUT_MS} ms\n${stderr}`))
        }, EVENT_TIMEOUT_MS)
        waiters.add(waiter)
      })
    },
  }
}

/**
 * What landed, counted by SQL: rows of `logs` and `rejected_lines`, and how
 * many of them are duplicates (each test line is unique by construction).
 */
export function countStored(url) {
  return withDatabase(url, async (db) => {
    const count = async (query) => Number((await query.executeTakeFirstOrThrow()).n)
    const {fn} = db
    return {
      logs: await count(db.selectFrom('logs').select(fn.countAll().as('n'))),
      distinctLogs: await count(db.selectFrom('logs').select(fn.count('raw_line').distinct().as('n'))),
      rejected: await count(db.selectFrom('rejected_lines').select(fn.countAll().as('n'))),
      distinctRejected: await count(db.selectFrom('rejected_lines').select(fn.count('raw_line').distinct().as('n'))),
    }
  })
}
