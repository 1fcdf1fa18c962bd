/**
 * Runs the real `decnet ingest` with DEBUG=decnet:ingest, so a test can wait
 * for the event "a batch was committed" (the debug line printed right after
 * each commit) instead of sleeping, then act on the process (SIGKILL,
 * SIGINT, delete its database, feed it more of standard input).
 *
 * @example
 * ```ts
 * const run = startIngest([file, '--db', url, '--batch', '1000'])
 * await run.committed(3000)          // the third batch is committed
 * run.child.kill('SIGKILL')
 * const {code, signal} = await run.done
 * ```
 */
import {type ChildProcessWithoutNullStreams, spawn} from 'node:child_process'

import type {SelectQueryBuilder} from 'kysely'

import {withDatabase} from '../../src/db/open.js'
import type {Database} from '../../src/db/schema.js'
import {BIN} from './run-cli.js'

/** How a `decnet ingest` run ended and what it printed. */
export interface IngestResult {
  code: number | null
  signal: NodeJS.Signals | null
  stdout: string
  stderr: string
}

/** A running `decnet ingest`. */
export interface IngestRun {
  readonly child: ChildProcessWithoutNullStreams
  readonly done: Promise<IngestResult>
  /** Resolves (with the last committed line) once a commit reached line `line`. */
  committed(line?: number): Promise<number>
}

/** Rows counted by {@link countStored}. */
export interface StoredCounts {
  logs: number
  distinctLogs: number
  rejected: number
  distinctRejected: number
}

interface CommitWaiter {
  readonly line: number
  readonly resolve: (line: number) => void
  readonly reject: (error: Error) => void
  timer?: NodeJS.Timeout
}

/** How long a test waits for an event before failing (it should take well under a second). */
const EVENT_TIMEOUT_MS = 60_000

export function startIngest(args: readonly string[], {env = {}, keepStdin = false}: {env?: Record<string, string | undefined>; keepStdin?: boolean} = {}): IngestRun {
  const child = spawn(process.execPath, [BIN, 'ingest', ...args], {
    env: {...process.env, ...env, DEBUG: 'decnet:ingest', DEBUG_COLORS: '0'},
    stdio: ['pipe', 'pipe', 'pipe'],
  })
  let stdout = ''
  let stderr = ''
  let lastCommitted = 0
  const waiters = new Set<CommitWaiter>()
  child.stdout.setEncoding('utf8').on('data', (data: string) => (stdout += data))
  child.stderr.setEncoding('utf8').on('data', (data: string) => {
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
  const done = new Promise<IngestResult>((resolve) => {
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
    committed(line = 1) {
      return new Promise<number>((resolve, reject) => {
        if (lastCommitted >= line) return resolve(lastCommitted)
        const waiter: CommitWaiter = {line, resolve, reject}
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
export function countStored(url: string): Promise<StoredCounts> {
  return withDatabase(url, async (db) => {
    const count = async <T extends keyof Database>(query: SelectQueryBuilder<Database, T, {n: bigint | number | string}>): Promise<number> =>
      Number((await query.executeTakeFirstOrThrow()).n)
    const {fn} = db
    return {
      logs: await count(db.selectFrom('logs').select(fn.countAll().as('n'))),
      distinctLogs: await count(db.selectFrom('logs').select(fn.count('raw_line').distinct().as('n'))),
      rejected: await count(db.selectFrom('rejected_lines').select(fn.countAll().as('n'))),
      distinctRejected: await count(db.selectFrom('rejected_lines').select(fn.count('raw_line').distinct().as('n'))),
    }
  })
}
