/**
 * Runs `node bin/run.js ...` as a real process and collects its output.
 * Options: input (written to stdin, then closed), env (merged), uid/gid,
 * timeoutMs (the process is killed and the promise rejects after it).
 */
import {type ChildProcessWithoutNullStreams, spawn} from 'node:child_process'
import {fileURLToPath} from 'node:url'

export const BIN = fileURLToPath(new URL('../../bin/run.js', import.meta.url))

/** How to run the CLI. */
export interface RunCliOptions extends CollectOptions {
  /** Merged over this process's environment (DEBUG is cleared unless set here). */
  env?: Record<string, string | undefined>
  uid?: number
  gid?: number
}

/** What to do with a process's stdin, and how long to wait for its exit. */
export interface CollectOptions {
  /** Written to stdin, which is then closed. */
  input?: Buffer | string
  /** Leave stdin open (when no input is given). */
  keepStdin?: boolean
  /** Default 60 000. */
  timeoutMs?: number
}

/** How a process ended and what it printed. */
export interface CliResult {
  code: number | null
  signal: NodeJS.Signals | null
  stdout: string
  stderr: string
  pid: number | undefined
}

export function runCli(args: readonly string[], options: RunCliOptions = {}): Promise<CliResult> {
  const child = spawn(process.execPath, [BIN, ...args], {
    env: {...process.env, DEBUG: '', ...options.env},
    stdio: ['pipe', 'pipe', 'pipe'],
    uid: options.uid,
    gid: options.gid,
  })
  return collect(child, options)
}

/** Waits for a spawned process to exit: {code, signal, stdout, stderr, pid}. */
export function collect(child: ChildProcessWithoutNullStreams, options: CollectOptions = {}): Promise<CliResult> {
  let stdout = ''
  let stderr = ''
  child.stdout.setEncoding('utf8').on('data', (data: string) => (stdout += data))
  child.stderr.setEncoding('utf8').on('data', (data: string) => (stderr += data))
  if (options.input !== undefined) child.stdin.end(options.input)
  else if (!options.keepStdin) child.stdin.end()
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL')
      reject(new Error(`timed out after ${options.timeoutMs ?? 60_000} ms: ${stderr}`))
    }, options.timeoutMs ?? 60_000)
    child.once('error', reject)
    child.once('close', (code, signal) => {
      clearTimeout(timer)
      resolve({code, signal, stdout, stderr, pid: child.pid})
    })
  })
}
