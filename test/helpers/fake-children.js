// A ChildFactory (src/prefork/child-handle.ts) whose children are plain objects: nothing is
// forked. A test drives each child (hello, ready, exit, hang...) and reads what the supervisor
// did to it (signals, messages). Used with ManualClock, a fleet's decisions run in microseconds.
import {Writable} from 'node:stream'

import {Supervisor} from '../../dist/prefork/supervisor.js'
import {ManualClock} from './manual-clock.js'

/** What a child of a database-profile fleet reports when it holds nothing it should not. */
export const UNPRIVILEGED = Object.freeze({capBnd: '0', capEff: '0', egid: 1000, euid: 1000, gid: 1000, groups: [], noNewPrivs: false, uid: 1000})
/** What a child running as root with every capability reports. */
export const ROOT = Object.freeze({capBnd: '1ffffffffff', capEff: '1ffffffffff', egid: 0, euid: 0, gid: 0, groups: [0], noNewPrivs: false, uid: 0})

export class FakeChild {
  greeted = false
  ready = false
  statusText = undefined
  bootError = undefined
  asked = false
  killCause = undefined
  silentMs = undefined
  retired = undefined
  /** Signals the supervisor sent, in order. */
  signals = []
  /** Messages the supervisor sent, in order. */
  sent = []
  exited = false

  constructor(factory, request, listener, pid) {
    this.factory = factory
    this.request = request
    this.listener = listener
    this.name = request.name
    this.pid = pid
    this.startedAt = factory.clock.now()
  }

  get uptimeMs() {
    return this.factory.clock.now() - this.startedAt
  }

  send(message) {
    if (!this.exited) this.sent.push(message)
  }

  terminate() {
    this.asked = true
    if (!this.exited) this.signals.push('SIGTERM')
  }

  kill(cause) {
    this.killCause ??= cause
    if (!this.exited) this.signals.push('SIGKILL')
  }

  // What the process does (each as its real counterpart would report it).

  hello() {
    this.listener.message(this, {type: 'hello'})
    return this
  }

  /** hello, then ready with these credentials. */
  up(credentials = UNPRIVILEGED) {
    if (!this.greeted) this.hello()
    this.listener.message(this, {credentials, type: 'ready'})
    return this
  }

  bootFailed(message, code = 78) {
    this.listener.message(this, {message, type: 'boot-failed'})
    return this.exit(code)
  }

  status(text) {
    this.listener.message(this, {text, type: 'status'})
    return this
  }

  hang(silentMs) {
    this.listener.hung(this, silentMs)
    return this
  }

  exit(code, signal = null) {
    if (this.exited) throw new Error(`${this.name} (pid ${this.pid}) already exited`)
    this.exited = true
    this.listener.exit(this, code, signal)
    return this
  }

  /** Exits the way the signals it got end a well-behaved worker: by SIGKILL if one came, else cleanly (SIGTERM: its worker returns). */
  obey() {
    if (this.signals.length === 0) throw new Error(`${this.name} got no signal`)
    return this.signals.includes('SIGKILL') ? this.exit(null, 'SIGKILL') : this.exit(0)
  }
}

export class FakeChildren {
  /** Every child forked, in order. */
  forked = []
  #nextPid = 1000
  /** Names whose next fork throws this error (once). */
  #failures = new Map()

  constructor(clock) {
    this.clock = clock
  }

  fork(request, listener) {
    const failure = this.#failures.get(request.name)
    if (failure) {
      this.#failures.delete(request.name)
      throw failure
    }

    const child = new FakeChild(this, request, listener, this.#nextPid++)
    this.forked.push(child)
    return child
  }

  /** The next fork of `name` throws `error`. */
  failNext(name, error) {
    this.#failures.set(name, error)
  }

  /** The current (last forked) child of `name`. */
  of(name) {
    const child = this.forked.findLast((c) => c.name === name)
    if (!child) throw new Error(`no child of ${name} was forked`)
    return child
  }

  /** Every child forked for `name`. */
  all(name) {
    return this.forked.filter((c) => c.name === name)
  }

  /** Children not yet exited. */
  get running() {
    return this.forked.filter((c) => !c.exited)
  }
}

/** A resolved fleet of `workers` ({name, restart?, maxMemoryMb?}), profile `root` unless given. */
export function fleetOf(workers, {name = 'f', profile = 'root'} = {}) {
  return {
    description: 'a fake fleet',
    name,
    plugin: 'decnet-test',
    pluginRoot: '/nonexistent',
    profile,
    workers: workers.map((worker) => ({
      exportName: 'default',
      modulePath: `/nonexistent/${worker.name}.js`,
      needs: profile,
      options: {},
      restart: 'on-failure',
      ...worker,
    })),
  }
}

/**
 * A Supervisor over fake children and a manual clock, its lines collected.
 * `workers`: as for fleetOf; `options`: SupervisorOptions but fleet/log; `rss`: pid -> bytes; `random`: the backoff jitter source (default () => 0: no jitter).
 */
export function fakeFleet(workers, options = {}, {name, profile, random, rss} = {}) {
  const clock = new ManualClock()
  const children = new FakeChildren(clock)
  const lines = []
  const out = new Writable({write: (_chunk, _encoding, done) => done()})
  const supervisor = new Supervisor(
    {setpriv: false, ...options, fleet: fleetOf(workers, {name, profile}), log: (level, text) => lines.push({level, text}), out},
    {children, clock, random: random ?? (() => 0), residentBytes: rss ?? (() => 0)},
  )
  let outcome
  const running = supervisor.run().then((result) => (outcome = result))
  return {
    children,
    clock,
    /** The outcome once run() resolved (await `finished` first), or undefined. */
    get outcome() {
      return outcome
    },
    /** Resolves with the outcome; fails the test if the fleet is still running. */
    async finished() {
      // run() resolves after its output is flushed, a few ticks after the decision.
      for (let i = 0; i < 20 && outcome === undefined; i++) await new Promise((resolve) => setImmediate(resolve))
      if (outcome === undefined) throw new Error(`the fleet did not finish:\n${this.text}`)
      return outcome
    },
    lines,
    running,
    supervisor,
    /** Every supervisor line, joined. */
    get text() {
      return lines.map((line) => `${line.level}: ${line.text}`).join('\n')
    },
    /** The texts of lines matching `pattern`. */
    grep(pattern) {
      return lines.filter((line) => pattern.test(line.text)).map((line) => line.text)
    },
  }
}
