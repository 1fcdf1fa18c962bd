// Runs test/fixtures/run-supervisor.js (a Supervisor without the CLI) as a real process and
// watches its output; plus /proc helpers. Every run is registered for cleanup: call
// `await run.cleanup()` (e.g. in t.after) and nothing it started survives the test.
import assert from 'node:assert/strict'
import {type ChildProcess, spawn} from 'node:child_process'
import {readdirSync, readFileSync} from 'node:fs'
import {createInterface} from 'node:readline'
import type {Readable} from 'node:stream'
import {fileURLToPath} from 'node:url'

import type {JsonObject, PrivilegeProfile, RestartPolicy} from '../../src/fleets/types.js'
import type {FleetOutcome, SupervisorOptions} from '../../src/prefork/options.js'

const HARNESS = fileURLToPath(new URL('../fixtures/run-supervisor.js', import.meta.url))

/** A worker of a harness fleet; `module` is relative to test/fixtures/workers/. */
export interface HarnessWorker {
  name: string
  module: string
  export?: string
  restart?: RestartPolicy
  options?: JsonObject
  maxMemoryMb?: number
  nodeOptions?: string[]
}

/** What test/fixtures/run-supervisor.js runs (it is JSON on its command line). */
export interface HarnessSpec {
  fleet: {name?: string; profile?: PrivilegeProfile; workers: HarnessWorker[]}
  /** Supervisor options but fleet, out and log (functions do not survive JSON). */
  options?: Omit<SupervisorOptions, 'fleet' | 'log' | 'onReady' | 'out'>
  /** Use the supervisor's default streams instead of everything on stdout. */
  separateStreams?: boolean
}

/** One line of the harness's output, and when it arrived (`performance.now()`). */
export interface OutputLine {
  readonly text: string
  readonly stream: 'stderr' | 'stdout'
  readonly t: number
}

/** A line that matched, where it is, and the match. */
export interface FoundLine extends OutputLine {
  readonly index: number
  readonly match: RegExpMatchArray
}

/** How a process ended. */
export interface ProcessExit {
  code: number | null
  signal: NodeJS.Signals | null
}

interface LineWaiter {
  readonly from: number
  readonly pattern: RegExp | string
  readonly resolve: (found: FoundLine) => void
  timer?: NodeJS.Timeout
}

/** Starts a fleet from a harness spec (see run-supervisor.js). */
export function startFleet(spec: HarnessSpec, {env = process.env}: {env?: NodeJS.ProcessEnv} = {}): FleetRun {
  return new FleetRun(spawn(process.execPath, [HARNESS, JSON.stringify(spec)], {env, stdio: ['ignore', 'pipe', 'pipe']}))
}

/** A running harness: its output lines (with arrival times) and its exit. */
export class FleetRun {
  lines: OutputLine[] = []
  readonly child: ChildProcess
  readonly pid: number
  readonly exited: Promise<ProcessExit>
  readonly #waiters = new Set<LineWaiter>()
  readonly #seenPids = new Set<number>()

  /** `child` has piped stdout and stderr. */
  constructor(child: ChildProcess) {
    if (child.pid === undefined) throw new Error('the harness could not be started')
    this.child = child
    this.pid = child.pid
    this.exited = new Promise((resolve) => child.once('exit', (code, signal) => resolve({code, signal})))
    for (const stream of ['stdout', 'stderr'] as const) {
      const input: Readable | null = child[stream]
      if (input === null) throw new Error(`the harness's ${stream} is not a pipe`)
      createInterface({input}).on('line', (text) => this.#add(text, stream))
    }
  }

  /** Every output line so far, joined (for assertion messages). */
  get text(): string {
    return this.lines.map((line) => `${line.stream === 'stderr' ? '! ' : ''}${line.text}`).join('\n')
  }

  /** Resolves with the first line (from index `from`) matching `pattern`; rejects after `timeoutMs`. */
  waitFor(pattern: RegExp | string, {from = 0, timeoutMs = 10_000}: {from?: number; timeoutMs?: number} = {}): Promise<FoundLine> {
    const found = this.#find(pattern, from)
    if (found) return Promise.resolve(found)
    return new Promise((resolve, reject) => {
      const waiter: LineWaiter = {from, pattern, resolve}
      waiter.timer = setTimeout(() => {
        this.#waiters.delete(waiter)
        reject(new Error(`timed out after ${timeoutMs} ms waiting for ${pattern}; output so far:\n${this.text}`))
      }, timeoutMs)
      this.#waiters.add(waiter)
    })
  }

  /** Resolves with {code, signal} of the harness; rejects after `timeoutMs`. */
  async waitForExit(timeoutMs = 10_000): Promise<ProcessExit> {
    let timer: NodeJS.Timeout | undefined
    const timeout = new Promise<never>((_resolve, reject) => {
      timer = setTimeout(() => reject(new Error(`harness did not exit within ${timeoutMs} ms; output:\n${this.text}`)), timeoutMs)
    })
    try {
      return await Promise.race([this.exited, timeout])
    } finally {
      clearTimeout(timer)
    }
  }

  /** The outcome the harness printed last. */
  outcome(): FleetOutcome | undefined {
    const line = this.lines.findLast((l) => l.text.startsWith('[harness] outcome '))
    return line && (JSON.parse(line.text.slice('[harness] outcome '.length)) as FleetOutcome)
  }

  /** The outcome the harness printed last; fails the test when it printed none (it did not end normally). */
  finalOutcome(): FleetOutcome {
    const outcome = this.outcome()
    assert.ok(outcome, `the harness printed no outcome; output:\n${this.text}`)
    return outcome
  }

  /** Pids from `[decnet] worker NAME ready (pid P)` lines, for `name` (or all), in order. */
  readyPids(name?: string): number[] {
    return this.lines
      .map((line) => /\[decnet\] worker (\S+) ready \(pid (\d+)\)/.exec(line.text))
      .filter((m): m is RegExpExecArray => m !== null && (name === undefined || m[1] === name))
      .map((m) => Number(m[2]))
  }

  kill(signal: NodeJS.Signals): void {
    try {
      process.kill(this.pid, signal)
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ESRCH') throw error
    }
  }

  /** SIGKILLs the harness and every child it ever had, if still alive. */
  async cleanup(): Promise<void> {
    for (const pid of childrenOf(this.pid)) this.#seenPids.add(pid)
    for (const pid of this.readyPids()) this.#seenPids.add(pid)
    this.kill('SIGKILL')
    for (const pid of this.#seenPids) {
      if (isAlive(pid)) process.kill(pid, 'SIGKILL')
    }

    await this.exited
    for (const waiter of this.#waiters) clearTimeout(waiter.timer)
  }

  #add(text: string, stream: OutputLine['stream']): void {
    this.lines.push({stream, t: performance.now(), text})
    for (const pid of this.readyPids()) this.#seenPids.add(pid)
    for (const waiter of this.#waiters) {
      const found = this.#find(waiter.pattern, waiter.from)
      if (found) {
        clearTimeout(waiter.timer)
        this.#waiters.delete(waiter)
        waiter.resolve(found)
      }
    }
  }

  #find(pattern: RegExp | string, from: number): FoundLine | undefined {
    for (let index = from; index < this.lines.length; index++) {
      const match = this.lines[index].text.match(pattern)
      if (match) return {...this.lines[index], index, match}
    }

    return undefined
  }
}

/** Fields of /proc/PID/stat after the command name (which may hold spaces): [state, ppid, ...]. */
function statFields(pid: number): string[] | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')
  } catch (error) {
    const {code} = error as NodeJS.ErrnoException
    if (code === 'ENOENT' || code === 'ESRCH') return undefined
    throw error
  }
}

/** True when the process exists and is not a zombie. */
export function isAlive(pid: number): boolean {
  const fields = statFields(pid)
  return fields !== undefined && fields[0] !== 'Z'
}

/** Live children of `pid`, from /proc. */
export function childrenOf(pid: number): number[] {
  return readdirSync('/proc')
    .filter((name) => /^\d+$/.test(name))
    .map(Number)
    .filter((candidate) => {
      const fields = statFields(candidate)
      return fields !== undefined && fields[0] !== 'Z' && Number(fields[1]) === pid
    })
}

/** The `Uid:` (or other) line of /proc/PID/status, as numbers. */
export function statusIds(pid: number, field = 'Uid'): number[] {
  const line = readFileSync(`/proc/${pid}/status`, 'utf8').split('\n').find((l) => l.startsWith(`${field}:`))
  if (line === undefined) throw new Error(`/proc/${pid}/status has no ${field}: line`)
  return line.slice(field.length + 1).trim().split(/\s+/).filter(Boolean).map(Number)
}

/**
 * Polls `predicate` (for things no event announces, like another process's death) every
 * 20 ms; rejects with `what` after `timeoutMs`.
 */
export async function waitUntil(predicate: () => boolean, {timeoutMs = 5000, what = 'condition'}: {timeoutMs?: number; what?: string} = {}): Promise<void> {
  const deadline = performance.now() + timeoutMs
  while (!predicate()) {
    if (performance.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`)
    await new Promise((resolve) => setTimeout(resolve, 20))
  }
}
