/**
 * Starts a database worker outside any fleet, in its own process, through its
 * runner (run-profiler.ts, run-ttp.ts: `node --import tsx RUNNER ARGS` with
 * DECNET_DB_URL set), and tells when it committed its first tick (its
 * `debug: tick: ...` line): the event the kill tests wait for before a
 * SIGKILL, instead of polling the cursor. The child is SIGKILLed when the
 * test ends, if it still runs.
 *
 * @example
 * ```ts
 * const first = startWorkerRunner(t, 'ttp', ['--batch', '5', '--lease', String(KILL_LEASE_SECONDS)], {DECNET_DB_URL: url})
 * await first.ticked
 * first.child.kill('SIGKILL')
 * assert.equal((await first.exited).signal, 'SIGKILL')
 * ```
 */
import {type ChildProcessByStdio, spawn} from 'node:child_process'
import {once} from 'node:events'
import type {Readable} from 'node:stream'
import type {TestContext} from 'node:test'
import {fileURLToPath} from 'node:url'

/** The runners: each runs one worker in its process, as the fleet's child entry would. */
export const WORKER_RUNNERS = Object.freeze({
  profiler: fileURLToPath(new URL('run-profiler.ts', import.meta.url)),
  ttp: fileURLToPath(new URL('run-ttp.ts', import.meta.url)),
})

/**
 * The lease a killed worker and its restart hold (`--lease`), not the default
 * 30 s: the restart stands by until the killed run's lease lapses, so this is
 * how long it waits at most (the takeover itself is the two-fleet tests'
 * subject). Its holder renews it every third of it, so a run is only at risk
 * of losing it to an event loop held up for over 3 s.
 */
export const KILL_LEASE_SECONDS = 5

/** How a worker process ended, and what it wrote on stderr. */
export interface RunnerExit {
  code: null | number
  signal: NodeJS.Signals | null
  stderr: string
}

/** A worker process started by {@link startWorkerRunner}. */
export interface RunnerProcess {
  readonly child: ChildProcessByStdio<null, Readable, Readable>
  readonly exited: Promise<RunnerExit>
  /** Resolves once a tick is committed (its `debug: tick: ...` line), or when the process exits (the caller then sees why). */
  readonly ticked: Promise<void>
}

/** Starts `runner` with `args`; `env` adds to this process's environment (DECNET_DB_URL at least). */
export function startWorkerRunner(t: TestContext, runner: keyof typeof WORKER_RUNNERS, args: readonly string[], env: NodeJS.ProcessEnv): RunnerProcess {
  const child = spawn(process.execPath, ['--import', 'tsx', WORKER_RUNNERS[runner], ...args], {env: {...process.env, ...env}, stdio: ['ignore', 'pipe', 'pipe']})
  t.after(() => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL')
  })
  let stderr = ''
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk))
  const exited = once(child, 'exit').then(([code, signal]) => ({code: code as null | number, signal: signal as NodeJS.Signals | null, stderr}))
  let stdout: string | undefined = '' // until the first tick: a line may come in two chunks
  const ticked = new Promise<void>((resolve) => {
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      if (stdout === undefined) return
      stdout += chunk
      if (/^debug: tick: /m.test(stdout)) {
        stdout = undefined
        resolve()
      }
    })
    void exited.then(
      () => resolve(),
      () => resolve(),
    )
  })
  return {child, exited, ticked}
}
