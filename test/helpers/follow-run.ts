/**
 * Runs the real `decnet ingest` (usually with `--follow`) with
 * DEBUG=decnet:ingest, so a test awaits what the process says it did (the
 * debug line printed right after each commit, "was rotated", "was
 * truncated", "waiting for") instead of sleeping, and acts on it
 * (SIGKILL, SIGTERM, rotate its file, feed its standard input).
 *
 * @example
 * ```ts
 * const run = startFollow(['--follow', file, '--db', url])
 * await run.saw(`committed ${file}: up to line 3, byte ${statSync(file).size}`)
 * run.child.kill('SIGKILL')
 * ```
 */
import {spawn, type ChildProcessWithoutNullStreams} from 'node:child_process'
import {fileURLToPath} from 'node:url'

const BIN = fileURLToPath(new URL('../../bin/run.js', import.meta.url))

/** How long a test waits for an event before failing (each should take well under a second or two). */
const EVENT_TIMEOUT_MS = 60_000

export interface Exit {
  code: number | null
  signal: NodeJS.Signals | null
  stdout: string
  stderr: string
}

export interface FollowRun {
  child: ChildProcessWithoutNullStreams
  done: Promise<Exit>
  /** Resolves once stderr holds `text` (or matches it) after position `from` (default: anywhere); returns the index just after it. */
  saw: (text: string | RegExp, from?: number) => Promise<number>
  /** Everything printed on stderr so far. */
  stderr: () => string
}

/** `decnet ingest ARGS` with DEBUG=decnet:ingest. */
export function startFollow(args: string[], options: {env?: Record<string, string>} = {}): FollowRun {
  return startDecnet(['ingest', ...args], {...options, debug: 'decnet:ingest'})
}

/** `decnet ARGS` with DEBUG set to `debug`, its stderr watched (see {@link FollowRun}). */
export function startDecnet(args: string[], options: {env?: Record<string, string>; debug: string}): FollowRun {
  const child = spawn(process.execPath, [BIN, ...args], {
    env: {...process.env, ...options.env, DEBUG: options.debug, DEBUG_COLORS: '0'},
    stdio: ['pipe', 'pipe', 'pipe'],
  })
  let stdout = ''
  let stderr = ''
  const waiters = new Set<() => boolean>()
  child.stdout.setEncoding('utf8').on('data', (data: string) => (stdout += data))
  child.stderr.setEncoding('utf8').on('data', (data: string) => {
    stderr += data
    for (const check of waiters) if (check()) waiters.delete(check)
  })
  let exited: Exit | undefined
  const done = new Promise<Exit>((resolve) => {
    child.once('close', (code, signal) => {
      exited = {code, signal, stdout, stderr}
      for (const check of waiters) check()
      resolve(exited)
    })
  })

  const find = (text: string | RegExp, from: number): number => {
    const rest = stderr.slice(from)
    if (typeof text === 'string') {
      const at = rest.indexOf(text)
      return at === -1 ? -1 : from + at + text.length
    }

    const match = text.exec(rest)
    return match === null ? -1 : from + match.index + match[0].length
  }

  const saw = (text: string | RegExp, from = 0): Promise<number> =>
    new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        waiters.delete(check)
        reject(new Error(`decnet did not print ${String(text)} within ${EVENT_TIMEOUT_MS} ms\n${stderr}`))
      }, EVENT_TIMEOUT_MS)
      function check(): boolean {
        const at = find(text, from)
        if (at !== -1) {
          clearTimeout(timer)
          resolve(at)
          return true
        }

        if (exited) {
          clearTimeout(timer)
          reject(new Error(`decnet exited (code ${exited.code}, signal ${exited.signal}) before printing ${String(text)}\n${stderr}`))
          return true
        }

        return false
      }

      if (!check()) waiters.add(check)
    })

  return {child, done, saw, stderr: () => stderr}
}
