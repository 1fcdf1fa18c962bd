// Runs test/fixtures/run-supervisor.js (a Supervisor without the CLI) as a real process and
// watches its output; plus /proc helpers. Every run is registered for cleanup: call
// `await run.cleanup()` (e.g. in t.after) and nothing it started survives the test.
import {spawn} from 'node:child_process'
import {readdirSync, readFileSync} from 'node:fs'
import {createInterface} from 'node:readline'
import {fileURLToPath} from 'node:url'

const HARNESS = fileURLToPath(new URL('../fixtures/run-supervisor.js', import.meta.url))

/** Starts a fleet from a harness spec (see run-supervisor.js). */
export function startFleet(spec, {env = process.env} = {}) {
  return new FleetRun(spawn(process.execPath, [HARNESS, JSON.stringify(spec)], {env, stdio: ['ignore', 'pipe', 'pipe']}))
}

/** A running harness: its output lines (with arrival times) and its exit. */
export class FleetRun {
  /** @type {{text: string, stream: 'stdout'|'stderr', t: number}[]} */
  lines = []
  #waiters = new Set()
  #seenPids = new Set()

  constructor(child) {
    this.child = child
    this.pid = child.pid
    this.exited = new Promise((resolve) => child.once('exit', (code, signal) => resolve({code, signal})))
    for (const stream of ['stdout', 'stderr']) {
      createInterface({input: child[stream]}).on('line', (text) => this.#add(text, stream))
    }
  }

  /** Every output line so far, joined (for assertion messages). */
  get text() {
    return this.lines.map((line) => `${line.stream === 'stderr' ? '! ' : ''}${line.text}`).join('\n')
  }

  /** Resolves with the first line (from index `from`) matching `pattern`; rejects after `timeoutMs`. */
  waitFor(pattern, {from = 0, timeoutMs = 10_000} = {}) {
    const found = this.#find(pattern, from)
    if (found) return Promise.resolve(found)
    return new Promise((resolve, reject) => {
      const waiter = {from, pattern, resolve}
      waiter.timer = setTimeout(() => {
        this.#waiters.delete(waiter)
        reject(new Error(`timed out after ${timeoutMs} ms waiting for ${pattern}; output so far:\n${this.text}`))
      }, timeoutMs)
      this.#waiters.add(waiter)
    })
  }

  /** Resolves with {code, signal} of the harness; rejects after `timeoutMs`. */
  async waitForExit(timeoutMs = 10_000) {
    let timer
    const timeout = new Promise((_resolve, reject) => {
      timer = setTimeout(() => reject(new Error(`harness did not exit within ${timeoutMs} ms; output:\n${this.text}`)), timeoutMs)
    })
    try {
      return await Promise.race([this.exited, timeout])
    } finally {
      clearTimeout(timer)
    }
  }

  /** The outcome the harness printed last. */
  outcome() {
    const line = this.lines.findLast((l) => l.text.startsWith('[harness] outcome '))
    return line && JSON.parse(line.text.slice('[harness] outcome '.length))
  }

  /** Pids from `[decnet] worker NAME ready (pid P)` lines, for `name` (or all), in order. */
  readyPids(name) {
    return this.lines
      .map((line) => /\[decnet\] worker (\S+) ready \(pid (\d+)\)/.exec(line.text))
      .filter((m) => m && (name === undefined || m[1] === name))
      .map((m) => Number(m[2]))
  }

  kill(signal) {
    try {
      process.kill(this.pid, signal)
    } catch (error) {
      if (error.code !== 'ESRCH') throw error
    }
  }

  /** SIGKILLs the harness and every child it ever had, if still alive. */
  async cleanup() {
    for (const pid of childrenOf(this.pid)) this.#seenPids.add(pid)
    for (const pid of this.readyPids()) this.#seenPids.add(pid)
    this.kill('SIGKILL')
    for (const pid of this.#seenPids) {
      if (isAlive(pid)) process.kill(pid, 'SIGKILL')
    }

    await this.exited
    for (const waiter of this.#waiters) clearTimeout(waiter.timer)
  }

  #add(text, stream) {
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

  #find(pattern, from) {
    for (let index = from; index < this.lines.length; index++) {
      const match = this.lines[index].text.match(pattern)
      if (match) return {...this.lines[index], index, match}
    }

    return undefined
  }
}

/** Fields of /proc/PID/stat after the command name (which may hold spaces): [state, ppid, ...]. */
function statFields(pid) {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')
  } catch (error) {
    if (error.code === 'ENOENT' || error.code === 'ESRCH') return undefined
    throw error
  }
}

/** True when the process exists and is not a zombie. */
export function isAlive(pid) {
  const fields = statFields(pid)
  return fields !== undefined && fields[0] !== 'Z'
}

/** Live children of `pid`, from /proc. */
export function childrenOf(pid) {
  return readdirSync('/proc')
    .filter((name) => /^\d+$/.test(name))
    .map(Number)
    .filter((candidate) => {
      const fields = statFields(candidate)
      return fields !== undefined && fields[0] !== 'Z' && Number(fields[1]) === pid
    })
}

/** The `Uid:` (or other) line of /proc/PID/status, as numbers. */
export function statusIds(pid, field = 'Uid') {
  const line = readFileSync(`/proc/${pid}/status`, 'utf8').split('\n').find((l) => l.startsWith(`${field}:`))
  return line.slice(field.length + 1).trim().split(/\s+/).filter(Boolean).map(Number)
}

/**
 * Polls `predicate` (for things no event announces, like another process's death) every
 * 20 ms; rejects with `what` after `timeoutMs`.
 */
export async function waitUntil(predicate, {timeoutMs = 5000, what = 'condition'} = {}) {
  const deadline = performance.now() + timeoutMs
  while (!predicate()) {
    if (performance.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`)
    await new Promise((resolve) => setTimeout(resolve, 20))
  }
}
