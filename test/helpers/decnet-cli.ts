/**
 * Running the real `decnet` CLI (node bin/run.js) in tests, with fixture
 * plugins linked through a private data directory.
 *
 * @example
 * ```ts
 * const data = linkedDataDir(t, ['decnet-plugin-sample'])
 * const {code, stdout} = await runDecnet(t, ['fleet', 'list', '--json'], {env: data.env})
 * const fleet = startDecnet(t, ['fleet', 'sample', '--user', 'nobody'], {env: data.env})
 * await fleet.waitFor(/fleet sample ready/)
 * ```
 */
import {type ChildProcessByStdio, spawn} from 'node:child_process'
import {chmodSync, chownSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'
import type {Readable} from 'node:stream'
import type {TestContext} from 'node:test'
import {fileURLToPath} from 'node:url'

export const REPO = fileURLToPath(new URL('../..', import.meta.url))
export const RUN = join(REPO, 'bin', 'run.js')
export const FIXTURE_PLUGINS = join(REPO, 'test', 'fixtures', 'plugins')

/** The exit codes the tests expect (src/exit-codes.ts). */
export const EXIT = Object.freeze({OK: 0, FAILURE: 1, USAGE: 2, PRIVILEGE_REFUSED: 3})

const NOBODY = 65534

/** A private data directory and the environment that points decnet at it. */
export interface DataDir {
  readonly dir: string
  readonly env: DataDirEnv
}

/** Where decnet keeps its data, config, cache and control sockets. */
export interface DataDirEnv extends Record<string, string> {
  DECNET_CACHE_DIR: string
  DECNET_CONFIG_DIR: string
  DECNET_DATA_DIR: string
  DECNET_RUNTIME_DIR: string
}

/** How to start decnet: extra environment (merged over ours without DECNET_DB_URL and DEBUG), and a user. */
export interface DecnetOptions {
  env?: Record<string, string | undefined>
  uid?: number
  gid?: number
}

/** How a process ended. */
export interface Exit {
  code: number | null
  signal: NodeJS.Signals | null
}

/** A running `decnet` and what it printed so far. */
export interface DecnetRun {
  readonly child: ChildProcessByStdio<null, Readable, Readable>
  readonly exited: Promise<Exit>
  /** stdout then stderr. */
  output(): string
  stderr(): string
  stdout(): string
  /** Resolves with the first match of `re` in the output (now or later); rejects after `ms` or at exit. */
  waitFor(re: RegExp, ms?: number): Promise<RegExpMatchArray>
  /** Worker name -> pid, from the `worker NAME ready (pid P)` lines so far. */
  workerPids(): Map<string, number>
}

/** A finished `decnet` run. */
export interface DecnetResult extends Exit {
  stdout: string
  stderr: string
}

interface Waiter {
  readonly re: RegExp
  readonly resolve: (match: RegExpMatchArray) => void
  readonly reject: (error: Error) => void
  timer?: NodeJS.Timeout
}

/** Every test should be done long before this; a hung command fails the test instead of the suite. */
const DEFAULT_TIMEOUT_MS = 60_000

/**
 * A fresh data directory under /tmp (mode 0755, so `nobody` can read it) whose
 * package.json links the given fixture plugins the way `decnet plugins link`
 * does ({name, root, type: 'link'}). Removed after the test.
 *
 * It belongs to the user running the test, as an operator's data directory
 * does: root refuses to load a plugin list another user can change
 * (`decnet fleet --user nobody` creates the default database's directory,
 * `db/`, for nobody itself). With `{owner: 'nobody'}` the whole directory is
 * nobody's, for tests that run decnet itself as nobody (it then writes its
 * control socket there). `env` points decnet at it.
 */
export function linkedDataDir(t: TestContext, plugins: readonly string[] = [], {owner}: {owner?: 'nobody'} = {}): DataDir {
  const dir = mkdtempSync('/tmp/decnet-registry-test-')
  chmodSync(dir, 0o755)
  if (process.getuid?.() === 0 && owner === 'nobody') chownSync(dir, NOBODY, NOBODY)

  t.after(() => rmSync(dir, {force: true, recursive: true}))
  const linked = plugins.map((name) => ({name, root: join(FIXTURE_PLUGINS, name), type: 'link'}))
  const pjson = {dependencies: {}, name: 'decnet', oclif: {plugins: linked, schema: 1}, private: true}
  writeFileSync(join(dir, 'package.json'), JSON.stringify(pjson, null, 2), {mode: 0o644})
  return {dir, env: dataDirEnv(dir)}
}

/**
 * The environment that makes decnet use `dir` for its data, config and cache,
 * and for the control sockets of the fleets it runs (not /run/decnet).
 */
export function dataDirEnv(dir: string): DataDirEnv {
  return {
    DECNET_CACHE_DIR: join(dir, 'cache'),
    DECNET_CONFIG_DIR: join(dir, 'config'),
    DECNET_DATA_DIR: dir,
    DECNET_RUNTIME_DIR: join(dir, 'run'),
  }
}

function childEnv(env: Record<string, string | undefined> = {}): NodeJS.ProcessEnv {
  const base = {...process.env}
  delete base.DECNET_DB_URL
  delete base.DEBUG
  return {...base, ...env}
}

/**
 * Starts `decnet ...args` and follows its output. The process (and every
 * worker pid it announced) is killed after the test if still running.
 */
export function startDecnet(t: TestContext, args: readonly string[], {env, uid, gid}: DecnetOptions = {}): DecnetRun {
  const child = spawn(process.execPath, [RUN, ...args], {cwd: REPO, env: childEnv(env), gid, stdio: ['ignore', 'pipe', 'pipe'], uid})
  let stdout = ''
  let stderr = ''
  const waiters = new Set<Waiter>()
  const check = (): void => {
    for (const waiter of waiters) {
      const match = (stdout + stderr).match(waiter.re)
      if (match) {
        waiters.delete(waiter)
        clearTimeout(waiter.timer)
        waiter.resolve(match)
      }
    }
  }

  child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
    stdout += chunk
    check()
  })
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
    stderr += chunk
    check()
  })
  const exited = new Promise<Exit>((resolve) => {
    child.on('close', (code, signal) => {
      for (const waiter of waiters) {
        clearTimeout(waiter.timer)
        waiter.reject(new Error(`decnet exited (code ${code}, signal ${signal}) before printing ${waiter.re}\n${describeOutput(stdout, stderr)}`))
      }

      waiters.clear()
      resolve({code, signal})
    })
  })

  const workerPids = (): Map<string, number> => {
    const pids = new Map<string, number>()
    for (const [, name, pid] of (stdout + stderr).matchAll(/worker (\S+) ready \(pid (\d+)\)/g)) pids.set(name, Number(pid))
    return pids
  }

  t.after(() => {
    killQuietly(child.pid)
    // Workers die with their master; this is for when that guarantee is what broke.
    // (Checking the process title guards against a recycled pid.)
    for (const pid of workerPids().values()) if (titleOf(pid).startsWith('decnet ')) killQuietly(pid)
  })

  return {
    child,
    exited,
    output: () => stdout + stderr,
    stderr: () => stderr,
    stdout: () => stdout,
    waitFor(re, ms = DEFAULT_TIMEOUT_MS) {
      return new Promise<RegExpMatchArray>((resolve, reject) => {
        const waiter: Waiter = {re, reject, resolve}
        waiter.timer = setTimeout(() => {
          waiters.delete(waiter)
          reject(new Error(`timed out after ${ms} ms waiting for ${re}\n${describeOutput(stdout, stderr)}`))
        }, ms)
        waiters.add(waiter)
        check()
      })
    },
    workerPids,
  }
}

/**
 * Runs `decnet ...args` to completion (failing after a generous timeout).
 */
export async function runDecnet(t: TestContext, args: readonly string[], options: DecnetOptions & {timeoutMs?: number} = {}): Promise<DecnetResult> {
  const run = startDecnet(t, args, options)
  let timer: NodeJS.Timeout | undefined
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      killQuietly(run.child.pid)
      reject(new Error(`decnet ${args.join(' ')} did not exit within ${options.timeoutMs ?? DEFAULT_TIMEOUT_MS} ms\n${describeOutput(run.stdout(), run.stderr())}`))
    }, options.timeoutMs ?? DEFAULT_TIMEOUT_MS)
  })
  try {
    const {code, signal} = await Promise.race([run.exited, timeout])
    return {code, signal, stderr: run.stderr(), stdout: run.stdout()}
  } finally {
    clearTimeout(timer)
  }
}

/**
 * oclif wraps warnings and errors to the terminal width and prefixes each
 * line with ` ›   `; this undoes both, so a test can match a whole message.
 */
export function unwrap(text: string): string {
  return text.replaceAll(/\n? ›\s+/g, ' ').replaceAll(/[ \t]+/g, ' ')
}

/** `Uid:` and `Gid:` of a live process (real, effective, saved, fs). */
export function processIds(pid: number): {gid: number[]; uid: number[]} {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8')
  const ids = (field: string): number[] => {
    const line = new RegExp(`^${field}:\\s+(.*)$`, 'm').exec(status)
    if (!line) throw new Error(`/proc/${pid}/status has no ${field}: line`)
    return line[1].trim().split(/\s+/).map(Number)
  }

  return {gid: ids('Gid'), uid: ids('Uid')}
}

/** Whether a process exists (a zombie counts as gone). */
export function isAlive(pid: number): boolean {
  if (!existsSync(`/proc/${pid}/stat`)) return false
  try {
    const state = readFileSync(`/proc/${pid}/stat`, 'utf8').replace(/^.*\) /, '')[0]
    return state !== 'Z' && state !== 'X'
  } catch {
    // It vanished between the two reads.
    return false
  }
}

function titleOf(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').replaceAll('\0', ' ')
  } catch {
    // Gone already.
    return ''
  }
}

function killQuietly(pid: number | undefined): void {
  if (!pid || !isAlive(pid)) return
  try {
    process.kill(pid, 'SIGKILL')
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ESRCH') throw error
  }
}

function describeOutput(stdout: string, stderr: string): string {
  return `--- stdout ---\n${stdout}\n--- stderr ---\n${stderr}`
}
