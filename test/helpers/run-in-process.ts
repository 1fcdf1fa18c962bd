/**
 * Runs a `decnet` command in this process, through oclif as bin/run.js does
 * (the same config, the command classes in dist/, their error table and
 * oclif's error printing), and collects what it printed and the exit code
 * bin/run.js would have exited with. A spawned `node bin/run.js` costs
 * ~0.5 s of CPU in start-up alone; this costs what the command does.
 *
 * For the tests that run a command dozens of times to check what it prints
 * for its flags (filters, sorting, rule states). Tests about the process
 * itself (exit codes of failures, signals, stdin, output through a pipe, the
 * plugin list check of bin/run.js, root) spawn it (run-cli.ts, decnet-cli.ts).
 *
 * Runs are one at a time: while one runs, `process.env` holds its
 * environment, and its text written to `process.stdout` / `process.stderr`
 * is taken. Binary chunks on stdout pass: under `node --test` (npm test, or
 * `node --import tsx --test FILE`) a test file reports to its runner in
 * binary frames on stdout. Run without `--test`, a file's reporter writes
 * text, which a run under way would take for the command's.
 *
 * @example
 * ```ts
 * const {code, stdout} = await runInProcess(['attackers', '--json', '--db', url], {env: {DECNET_DATA_DIR: dir}})
 * ```
 */
import {fileURLToPath} from 'node:url'

import {Exit, handle} from '@oclif/core/handle'
import {run} from '@oclif/core/run'
import {settings} from '@oclif/core/settings'

const ROOT = fileURLToPath(new URL('../../bin/run.js', import.meta.url))

/** What a run printed and the code bin/run.js would have exited with. */
export interface InProcessResult {
  code: number
  stdout: string
  stderr: string
}

/** The run under way: the next waits for it. */
let running: Promise<unknown> = Promise.resolve()

/**
 * Runs `decnet ARGS` here. `env` is merged over this process's environment
 * for the run (undefined removes a variable); DEBUG is cleared and colour is
 * off, as through the pipe of a spawned process.
 */
export function runInProcess(args: readonly string[], options: {env?: Record<string, string | undefined>} = {}): Promise<InProcessResult> {
  const result = running.then(async () => runNow(args, options.env ?? {}))
  running = result.catch(() => undefined)
  return result
}

type Write = typeof process.stdout.write

async function runNow(args: readonly string[], env: Record<string, string | undefined>): Promise<InProcessResult> {
  const savedEnv = {...process.env}
  const savedExitCode = process.exitCode
  // the very functions, to put back (not bound copies)
  const savedExit = Reflect.get(Exit, 'exit')
  const stdoutWrite = Reflect.get(process.stdout, 'write')
  const stderrWrite = Reflect.get(process.stderr, 'write')
  let stdout = ''
  let stderr = ''
  let exitCode: number | undefined
  for (const [name, value] of Object.entries({DEBUG: '', FORCE_COLOR: '0', ...env})) {
    if (value === undefined) delete process.env[name]
    else process.env[name] = value
  }

  process.exitCode = undefined
  process.stdout.write = capture((text) => (stdout += text), (...write) => Reflect.apply(stdoutWrite, process.stdout, write) as boolean)
  process.stderr.write = capture((text) => (stderr += text))
  Exit.exit = ((code = 0) => {
    exitCode = code // and return: handle() has nothing left to do after it
  }) as typeof Exit.exit

  try {
    settings.enableAutoTranspile = false // as bin/run.js: dist/ is JavaScript
    try {
      await run([...args], ROOT)
      exitCode = Number(process.exitCode ?? 0) // bin/run.js exits with process.exitCode after a command that did not throw
    } catch (error) {
      await handle(error as Error) // prints the error as oclif does, and calls Exit.exit with its code
    }
  } finally {
    Exit.exit = savedExit
    process.stdout.write = stdoutWrite
    process.stderr.write = stderrWrite
    process.exitCode = savedExitCode
    for (const name of Object.keys(process.env)) if (!(name in savedEnv)) delete process.env[name]
    Object.assign(process.env, savedEnv)
  }

  return {code: exitCode ?? 0, stderr, stdout}
}

/** A stream `write` that hands text to `take` (and binary chunks to `pass`, when given) and calls back as a stream would. */
function capture(take: (text: string) => void, pass?: (...write: unknown[]) => boolean): Write {
  const write = (chunk: string | Uint8Array, ...rest: unknown[]): boolean => {
    if (typeof chunk !== 'string' && pass) return pass(chunk, ...rest)
    take(typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8'))
    const done = rest.find((argument) => typeof argument === 'function') as (() => void) | undefined
    if (done) process.nextTick(done)
    return true
  }

  return write
}
