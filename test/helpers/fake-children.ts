// A ChildFactory (src/prefork/child-handle.ts) whose children are plain objects: nothing is
// forked. A test drives each child (hello, ready, exit, hang...) and reads what the supervisor
// did to it (signals, messages). Used with ManualClock, a fleet's decisions run in microseconds.
import {Writable} from 'node:stream'

import type {ChildFactory, ChildHandle, ChildListener, ForkRequest, KillCause, Retirement} from '../../src/prefork/child-handle.js'
import type {MasterMessage, WireCredentials} from '../../src/prefork/messages.js'
import type {FleetOutcome, LogLevel, SupervisorOptions} from '../../src/prefork/options.js'
import {Supervisor} from '../../src/prefork/supervisor.js'
import type {PrivilegeProfile, ResolvedFleet, ResolvedWorker} from '../../src/fleets/types.js'
import {ManualClock} from './manual-clock.js'

/** What a child of a database-profile fleet reports when it holds nothing it should not. */
export const UNPRIVILEGED: Readonly<WireCredentials> = Object.freeze({capBnd: '0', capEff: '0', egid: 1000, euid: 1000, gid: 1000, groups: [], noNewPrivs: false, uid: 1000})
/** What a child running as root with every capability reports. */
export const ROOT: Readonly<WireCredentials> = Object.freeze({capBnd: '1ffffffffff', capEff: '1ffffffffff', egid: 0, euid: 0, gid: 0, groups: [0], noNewPrivs: false, uid: 0})

/** A signal the supervisor sent a fake child. */
export type SentSignal = 'SIGKILL' | 'SIGTERM'

export class FakeChild implements ChildHandle {
  greeted = false
  ready = false
  statusText: string | undefined = undefined
  bootError: string | undefined = undefined
  asked = false
  killCause: KillCause | undefined = undefined
  silentMs: number | undefined = undefined
  retired: Retirement | undefined = undefined
  /** Signals the supervisor sent, in order. */
  signals: SentSignal[] = []
  /** Messages the supervisor sent, in order. */
  sent: MasterMessage[] = []
  exited = false
  readonly factory: FakeChildren
  readonly request: ForkRequest
  readonly listener: ChildListener
  readonly name: string
  readonly pid: number
  readonly startedAt: number

  constructor(factory: FakeChildren, request: ForkRequest, listener: ChildListener, pid: number) {
    this.factory = factory
    this.request = request
    this.listener = listener
    this.name = request.name
    this.pid = pid
    this.startedAt = factory.clock.now()
  }

  get uptimeMs(): number {
    return this.factory.clock.now() - this.startedAt
  }

  send(message: MasterMessage): void {
    if (!this.exited) this.sent.push(message)
  }

  terminate(): void {
    this.asked = true
    if (!this.exited) this.signals.push('SIGTERM')
  }

  kill(cause: KillCause): void {
    this.killCause ??= cause
    if (!this.exited) this.signals.push('SIGKILL')
  }

  // What the process does (each as its real counterpart would report it).

  hello(): this {
    this.listener.message(this, {type: 'hello'})
    return this
  }

  /** hello, then ready with these credentials. */
  up(credentials: WireCredentials = UNPRIVILEGED): this {
    if (!this.greeted) this.hello()
    this.listener.message(this, {credentials, type: 'ready'})
    return this
  }

  bootFailed(message: string, code = 78): this {
    this.listener.message(this, {message, type: 'boot-failed'})
    return this.exit(code)
  }

  status(text: string): this {
    this.listener.message(this, {text, type: 'status'})
    return this
  }

  hang(silentMs: number): this {
    this.listener.hung(this, silentMs)
    return this
  }

  exit(code: number | null, signal: NodeJS.Signals | null = null): this {
    if (this.exited) throw new Error(`${this.name} (pid ${this.pid}) already exited`)
    this.exited = true
    this.listener.exit(this, code, signal)
    return this
  }

  /** Exits the way the signals it got end a well-behaved worker: by SIGKILL if one came, else cleanly (SIGTERM: its worker returns). */
  obey(): this {
    if (this.signals.length === 0) throw new Error(`${this.name} got no signal`)
    return this.signals.includes('SIGKILL') ? this.exit(null, 'SIGKILL') : this.exit(0)
  }
}

export class FakeChildren implements ChildFactory {
  /** Every child forked, in order. */
  forked: FakeChild[] = []
  #nextPid = 1000
  /** Names whose next fork throws this error (once). */
  readonly #failures = new Map<string, Error>()
  readonly clock: ManualClock

  constructor(clock: ManualClock) {
    this.clock = clock
  }

  fork(request: ForkRequest, listener: ChildListener): FakeChild {
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
  failNext(name: string, error: Error): void {
    this.#failures.set(name, error)
  }

  /** The current (last forked) child of `name`. */
  of(name: string): FakeChild {
    const child = this.forked.findLast((c) => c.name === name)
    if (!child) throw new Error(`no child of ${name} was forked`)
    return child
  }

  /** Every child forked for `name`. */
  all(name: string): FakeChild[] {
    return this.forked.filter((c) => c.name === name)
  }

  /** Children not yet exited. */
  get running(): FakeChild[] {
    return this.forked.filter((c) => !c.exited)
  }
}

/** A worker of a fake fleet: its name, and whatever of ResolvedWorker the test sets. */
export type FakeWorker = Partial<ResolvedWorker> & {readonly name: string}

/** A resolved fleet of `workers` ({name, restart?, maxMemoryMb?}), profile `root` unless given. */
export function fleetOf(workers: readonly FakeWorker[], {name = 'f', profile = 'root'}: {name?: string; profile?: PrivilegeProfile} = {}): ResolvedFleet {
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

/** One supervisor line. */
export interface LoggedLine {
  readonly level: LogLevel
  readonly text: string
}

/** Options of a fake fleet besides its supervisor's. */
export interface FakeFleetSetup {
  name?: string
  profile?: PrivilegeProfile
  /** The backoff jitter source (default () => 0: no jitter). */
  random?: () => number
  /** pid -> resident bytes (default 0). */
  rss?: (pid: number) => null | number
}

/** A supervisor over fake children, and what it said. */
export interface FakeFleet {
  readonly children: FakeChildren
  readonly clock: ManualClock
  /** The outcome once run() resolved (await `finished` first), or undefined. */
  readonly outcome: FleetOutcome | undefined
  /** Resolves with the outcome; fails the test if the fleet is still running. */
  finished(): Promise<FleetOutcome>
  readonly lines: LoggedLine[]
  readonly running: Promise<FleetOutcome>
  readonly supervisor: Supervisor
  /** Every supervisor line, joined. */
  readonly text: string
  /** The texts of lines matching `pattern`. */
  grep(pattern: RegExp): string[]
}

/**
 * A Supervisor over fake children and a manual clock, its lines collected.
 * `workers`: as for fleetOf; `options`: SupervisorOptions but fleet/log; `rss`: pid -> bytes; `random`: the backoff jitter source (default () => 0: no jitter).
 */
export function fakeFleet(workers: readonly FakeWorker[], options: Omit<SupervisorOptions, 'fleet' | 'log'> = {}, {name, profile, random, rss}: FakeFleetSetup = {}): FakeFleet {
  const clock = new ManualClock()
  const children = new FakeChildren(clock)
  const lines: LoggedLine[] = []
  const out = new Writable({write: (_chunk, _encoding, done) => done()})
  const supervisor = new Supervisor(
    {setpriv: false, ...options, fleet: fleetOf(workers, {name, profile}), log: (level, text) => lines.push({level, text}), out},
    {children, clock, random: random ?? (() => 0), residentBytes: rss ?? (() => 0)},
  )
  let outcome: FleetOutcome | undefined
  const running = supervisor.run().then((result) => (outcome = result))
  return {
    children,
    clock,
    get outcome() {
      return outcome
    },
    async finished() {
      // run() resolves after its output is flushed, a few ticks after the decision.
      for (let i = 0; i < 20 && outcome === undefined; i++) await new Promise((resolve) => setImmediate(resolve))
      if (outcome === undefined) throw new Error(`the fleet did not finish:\n${this.text}`)
      return outcome
    },
    lines,
    running,
    supervisor,
    get text() {
      return lines.map((line) => `${line.level}: ${line.text}`).join('\n')
    },
    grep(pattern) {
      return lines.filter((line) => pattern.test(line.text)).map((line) => line.text)
    },
  }
}
