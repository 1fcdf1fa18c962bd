/**
 * The master's loop. Everything that happens to a fleet (a child's message,
 * exit or silence, a restart coming due, the grace period expiring, a stop
 * request) is an event on one queue; signal handlers and child callbacks only
 * enqueue, and one small handler per event decides.
 */
import {makeDebug} from '../util/lazy-debug.js'

import {ExitCode, type ExitCodeValue} from '../exit-codes.js'
import {afterExit, type AfterExitContext} from './after-exit.js'
import {readCredentials} from './credentials.js'
import {accountOf, childEnvironment, forkEnvironment, profileNeedsDatabase} from './env.js'
import {findSetpriv} from './find-setpriv.js'
import type {ChildFactory, ChildHandle, ChildListener, Retirement} from './child-handle.js'
import {systemClock, type Clock} from './clock.js'
import {childEntryPath, liveChildren} from './live-child.js'
import {MAX_STATUS_TEXT, type ChildMessage, type ReadyMessage} from './messages.js'
import type {FleetEvent} from './fleet-event.js'
import {fleetStatus, type FleetStatus} from './fleet-status.js'
import {MemoryLimits} from './memory-limit.js'
import {flushed} from './flushed.js'
import {resolveSettings, type FleetOutcome, type LogLevel, type Settings, type SupervisorOptions} from './options.js'
import {reportedExcess} from './reported-excess.js'
import {Shutdown} from './shutdown.js'
import {sanitizeSourceReports} from './source-report.js'
import type {SupervisorRuntime} from './supervisor-runtime.js'
import {createSlot, fleetOutcome, recordExit, scheduleRestart, startMessage, type Slot, type Verdict} from './slot.js'
import {describeExit, diedUnborn, unbornReason, unstartedExit, workerExit} from './worker-exit.js'
import {planWorkerHardening, type WorkerHardening} from './worker-hardening.js'

const debug = makeDebug('decnet:supervisor')

/**
 * A stop within this long of the first is the same request, not "now": one
 * signal often arrives twice (`timeout`(1) signals the process and then its
 * process group). A person asking twice takes longer than this.
 */
const REPEAT_WINDOW_MS = 100

/** At the end, how long to wait for queued output to be written before resolving `run()`. */
const FLUSH_TIMEOUT_MS = 5000

/**
 * Runs one fleet: one child process per worker, restarted with per-worker
 * backoff, watched for hangs, stopped with SIGTERM then SIGKILL. An instance
 * holds all its state, so several can run in one process.
 *
 * @example
 * ```ts
 * const supervisor = new Supervisor({fleet, graceMs: 15_000, database: {kind: 'sqlite', path: '/var/lib/decnet/db/decnet.sqlite'}})
 * process.on('SIGTERM', () => supervisor.stop('SIGTERM'))
 * process.on('SIGINT', () => supervisor.stop('SIGINT'))
 * const outcome = await supervisor.run()
 * process.exitCode = outcome.code
 * ```
 */
export class Supervisor {
  readonly #settings: Settings
  readonly #slots: Slot[]
  readonly #clock: Clock
  readonly #children: ChildFactory
  readonly #shutdown: Shutdown
  readonly #memory: MemoryLimits
  readonly #queue: FleetEvent[] = []
  readonly #listener: ChildListener
  readonly #stdout: NodeJS.WritableStream
  readonly #stderr: NodeJS.WritableStream
  readonly #log: SupervisorOptions['log']
  readonly #whenReady: SupervisorOptions['onReady']
  #draining = false
  #run: Promise<FleetOutcome> | undefined
  #resolve: ((outcome: FleetOutcome) => void) | undefined
  #env: Record<string, string | undefined> = {}
  /** How workers are started (setpriv, users); decided once per run. */
  #hardening: WorkerHardening = {expected: {noNewPrivs: false}}
  /** The first decisive reason the fleet ends (a stop request, a boot failure, too much privilege); it wins. */
  #verdict: undefined | Verdict
  #fleetReady = false
  #startedAt: number
  #stopAt = 0
  #finished = false

  /**
   * Validates the options (throws on a bad value); starts nothing.
   *
   * @param runtime - the clock and child factory to run on (tests); the real ones by default
   */
  constructor(options: SupervisorOptions, runtime: SupervisorRuntime = {}) {
    this.#settings = resolveSettings(options)
    this.#clock = runtime.clock ?? systemClock
    this.#children = runtime.children ?? liveChildren
    this.#shutdown = new Shutdown(this.#clock)
    this.#startedAt = this.#clock.date()
    this.#slots = this.#settings.fleet.workers.map((worker) => createSlot(worker, this.#settings, runtime.random))
    this.#stdout = options.out ?? process.stdout
    this.#stderr = options.out ?? process.stderr
    this.#log = options.log
    this.#whenReady = options.onReady
    const probe = {clock: this.#clock, residentBytes: runtime.residentBytes}
    this.#memory = new MemoryLimits(this.#slots, this.#settings, (child, reason) => this.#enqueue({child, reason, type: 'memory'}), probe)
    this.#listener = {
      exit: (child, code, signal, error) => this.#enqueue({child, code, error, signal, type: 'exit'}),
      hung: (child, silentMs) => this.#enqueue({child, silentMs, type: 'hung'}),
      message: (child, message) => this.#enqueue({child, message, type: 'message'}),
    }
  }

  /** Starts the fleet; resolves when every child has exited. Calling it again returns the same promise. */
  run(): Promise<FleetOutcome> {
    if (this.#run) return this.#run
    this.#run = new Promise((resolve) => {
      this.#resolve = resolve
    })
    this.#startedAt = this.#clock.date()
    const {env, fleet, gid, setpriv, uid} = this.#settings
    const account = uid === undefined ? undefined : accountOf(uid)
    this.#env = forkEnvironment(childEnvironment(process.env, env, {account, database: profileNeedsDatabase(fleet.profile)}), process.env)
    this.#hardening = planWorkerHardening({
      gid,
      master: readCredentials(),
      profile: fleet.profile,
      setpriv: setpriv === false || fleet.profile === 'root' ? undefined : (setpriv ?? findSetpriv()),
      uid,
    })
    if (this.#hardening.shortfall && setpriv !== false) this.#say('warn', this.#hardening.shortfall)
    debug('fleet %s: starting %d workers', this.#settings.fleet.name, this.#slots.length)
    for (const slot of this.#slots) this.#spawn(slot)
    this.#memory.start()
    this.#checkFinished()
    return this.#run
  }

  /** Graceful stop (what SIGTERM/SIGINT should do); a second call kills what is left at once. */
  stop(reason = 'stop requested'): void {
    this.#enqueue({reason, type: 'stop'})
  }

  /**
   * Asks every running worker to reload its configuration (what SIGHUP and
   * `decnet fleet reload` do); returns the workers asked. Workers that do
   * not reload ignore it; one starting later reads the new configuration anyway.
   */
  reload(reason = 'reload requested'): string[] {
    const asked = this.#shutdown.started ? [] : this.#liveChildren().filter((child) => child.greeted).map((child) => child.name)
    this.#enqueue({reason, type: 'reload'})
    return asked
  }

  /** A read-only picture of the fleet right now: the master, and each worker's process, state, restarts and last exit. */
  snapshot(): FleetStatus {
    const {fleet, graceMs} = this.#settings
    const source = {fleet, graceMs, slots: this.#slots, startedAt: this.#startedAt, stopping: this.#shutdown.started}
    return fleetStatus(source, this.#clock.date(), this.#clock.now())
  }

  #enqueue(event: FleetEvent): void {
    this.#queue.push(event)
    if (this.#draining) return
    this.#draining = true
    try {
      for (let next = this.#queue.shift(); next; next = this.#queue.shift()) this.#handle(next)
    } finally {
      this.#draining = false
    }
  }

  #handle(event: FleetEvent): void {
    debug('fleet %s: %s', this.#settings.fleet.name, event.type)
    switch (event.type) {
      case 'exit':
        return this.#onExit(event.child, event.code, event.signal, event.error)
      case 'grace-expired':
        return this.#onGraceExpired()
      case 'hung':
        return this.#onHung(event.child, event.silentMs)
      case 'memory':
        return this.#onMemory(event.child, event.reason)
      case 'message':
        return this.#onMessage(event.child, event.message)
      case 'reload':
        return this.#onReload(event.reason)
      case 'restart':
        return this.#onRestart(event.slot)
      case 'retire-expired':
        return this.#onRetireExpired(event.child)
      case 'stop':
        return this.#onStop(event.reason)
    }
  }

  #onStop(reason: string): void {
    if (!this.#shutdown.started) return this.#beginStop(reason, ExitCode.OK)
    if (this.#clock.now() - this.#stopAt < REPEAT_WINDOW_MS) return debug('ignoring a repeated stop (%s): same burst', reason)
    const names = this.#shutdown.force(this.#liveChildren(), 'now')
    if (names.length > 0) this.#say('warn', `stop asked again: killing ${names.join(', ')} now (SIGKILL)`)
  }

  #beginStop(reason: string, code: ExitCodeValue): void {
    this.#verdict ??= {code, reason}
    if (this.#shutdown.started || this.#finished) return
    this.#stopAt = this.#clock.now()
    const live = this.#liveChildren()
    // A halt's reason was just logged with its cause; a stop request's was not.
    const why = code === ExitCode.OK ? ` (${reason})` : ''
    if (live.length > 0) this.#say('info', `stopping fleet ${this.#settings.fleet.name}${why}; grace ${this.#settings.graceMs} ms`)
    for (const slot of this.#slots) {
      this.#clock.clearTimeout(slot.restartTimer)
      slot.restartTimer = undefined
    }

    this.#shutdown.begin(live, this.#settings.graceMs, () => this.#enqueue({type: 'grace-expired'}))
    this.#checkFinished()
  }

  #onReload(reason: string): void {
    if (this.#shutdown.started || this.#finished) return this.#say('info', `reload (${reason}) ignored: fleet ${this.#settings.fleet.name} is stopping`)
    const children = this.#liveChildren().filter((child) => child.greeted)
    this.#say('info', `reload (${reason}): asking ${children.length === 0 ? 'no worker (none is running)' : children.map((child) => child.name).join(', ')}`)
    for (const child of children) child.send({type: 'reload'})
  }

  #onGraceExpired(): void {
    const names = this.#shutdown.force(this.#liveChildren(), 'grace')
    if (names.length > 0) this.#say('warn', `grace period of ${this.#settings.graceMs} ms expired: killing ${names.join(', ')} (SIGKILL)`)
  }

  #onHung(child: ChildHandle, silentMs: number): void {
    if (!this.#slotOf(child)) return
    child.silentMs = silentMs
    this.#say('error', `worker ${child.name} (pid ${child.pid}) hung: no heartbeat for ${silentMs} ms; killing it (SIGKILL)`)
    child.kill('hung')
  }

  /** Over its memory limit: stop it (SIGTERM, then SIGKILL after the grace period); its exit restarts it. */
  #onMemory(child: ChildHandle, reason: string): void {
    const slot = this.#slotOf(child)
    if (!slot || this.#shutdown.started) return
    this.#say('warn', `worker ${child.name} (pid ${child.pid}) is over its ${reason}; stopping it to restart it (grace ${this.#settings.graceMs} ms)`)
    this.#retire(slot, child, {cause: 'memory-limit', reason})
  }

  /** Stops one child so that it can be restarted: SIGTERM now, SIGKILL if it is still there after the grace period. Only the first call counts. */
  #retire(slot: Slot, child: ChildHandle, retirement: Retirement): void {
    if (child.retired) return
    child.retired = retirement
    child.terminate()
    slot.retireTimer = this.#clock.setTimeout(() => this.#enqueue({child, type: 'retire-expired'}), this.#settings.graceMs)
  }

  #onRetireExpired(child: ChildHandle): void {
    const slot = this.#slotOf(child)
    if (!slot) return
    slot.retireTimer = undefined
    child.kill('retired')
  }

  #onMessage(child: ChildHandle, message: ChildMessage): void {
    if (!this.#slotOf(child)) return
    switch (message.type) {
      case 'hello':
        child.greeted = true
        return child.send(startMessage(this.#slotOf(child)!.worker, this.#settings))
      case 'boot-failed':
        child.bootError = message.message
        return
      case 'ready':
        return this.#onReady(child, message)
      case 'status':
        child.statusText = typeof message.text === 'string' ? message.text.slice(0, MAX_STATUS_TEXT) : undefined
        return
      case 'sources':
        child.sources = sanitizeSourceReports(message.sources)
        return
    }
  }

  #onReady(child: ChildHandle, message: ReadyMessage): void {
    if (child.ready) return
    const {fleet} = this.#settings
    const excess = reportedExcess(message, fleet.profile, this.#hardening.expected)
    if (excess !== null && this.#settings.allowRoot) {
      this.#say('warn', `worker ${child.name} (pid ${child.pid}) ${excess} (allowed: running with --allow-root)`)
    } else if (excess !== null) {
      child.kill('privilege')
      const reason = `worker ${child.name} (pid ${child.pid}) ${excess}`
      this.#say('error', `${reason}; killed it, stopping fleet ${fleet.name}`)
      return this.#beginStop(reason, ExitCode.PRIVILEGE_EXCEEDED)
    }

    child.ready = true
    this.#say('info', `worker ${child.name} ready (pid ${child.pid})`)
    if (!this.#fleetReady && !this.#shutdown.started && this.#slots.every((slot) => slot.child?.ready)) {
      this.#fleetReady = true
      this.#say('info', `fleet ${fleet.name} ready (${this.#slots.length} worker${this.#slots.length === 1 ? '' : 's'})`)
      this.#whenReady?.()
    }
  }

  #onExit(child: ChildHandle, code: number | null, signal: NodeJS.Signals | null, error?: Error): void {
    const slot = this.#slotOf(child)
    if (!slot) return
    slot.child = undefined
    this.#clock.clearTimeout(slot.retireTimer)
    slot.retireTimer = undefined
    if (error) child.bootError ??= `cannot start its process: ${error.message}`
    else if (diedUnborn(child, code)) child.bootError ??= unbornReason(code, childEntryPath(), this.#settings.uid)
    const exit = workerExit(child, code, signal)
    recordExit(slot, exit, this.#clock)
    const {level, text} = describeExit(exit, this.#settings)
    // Once the fleet is stopping, an exit is only reaped: nothing follows it.
    const next = this.#shutdown.started || this.#finished ? undefined : afterExit(exit, this.#exitContext(slot))
    this.#say(level, next?.note ? `${text}; ${next.note}` : text)
    if (next?.kind === 'halt') this.#beginStop(next.reason, ExitCode.WORKER_BOOT_FAILED)
    else if (next?.kind === 'restart') scheduleRestart(slot, next.delayMs, () => this.#enqueue({slot, type: 'restart'}), this.#clock)
    this.#checkFinished()
  }

  #exitContext(slot: Slot): AfterExitContext {
    return {backoff: slot.backoff, fleetName: this.#settings.fleet.name, once: this.#settings.once, restart: slot.worker.restart}
  }

  #onRestart(slot: Slot): void {
    slot.restartTimer = undefined
    if (this.#shutdown.started || this.#finished) return
    slot.restarts++
    this.#spawn(slot)
  }

  #spawn(slot: Slot): void {
    if (this.#shutdown.started) return
    const {watchdogMs} = this.#settings
    const {gid, uid, wrapper} = this.#hardening
    const {name, nodeOptions} = slot.worker
    try {
      const request = {env: this.#env, exec: childEntryPath(), gid, name, nodeOptions, stderr: this.#stderr, stdout: this.#stdout, uid, watchdogMs, wrapper}
      slot.child = this.#children.fork(request, this.#listener)
      debug('worker %s: forked pid %d', name, slot.child.pid)
    } catch (error) {
      const reason = `worker ${name} could not start: ${(error as Error).message}`
      recordExit(slot, unstartedExit(name, reason), this.#clock)
      this.#say('error', `${reason}; stopping fleet ${this.#settings.fleet.name}`)
      this.#beginStop(reason, ExitCode.WORKER_BOOT_FAILED)
    }
  }

  #checkFinished(): void {
    if (this.#finished || !this.#resolve) return
    if (this.#slots.some((slot) => slot.child || slot.restartTimer)) return
    this.#finished = true
    this.#shutdown.finish()
    this.#memory.stop()
    const outcome = fleetOutcome(this.#slots, this.#verdict, this.#settings.once, this.#shutdown.killed)
    this.#say(outcome.code === ExitCode.OK ? 'info' : 'error', `fleet ${this.#settings.fleet.name} stopped: ${outcome.reason}`)
    // Callers exit right after run() resolves: let queued output reach its reader first.
    const resolve = this.#resolve
    void Promise.all([flushed(this.#stdout, FLUSH_TIMEOUT_MS), flushed(this.#stderr, FLUSH_TIMEOUT_MS)]).then(() => resolve(outcome))
  }

  #liveChildren(): ChildHandle[] {
    return this.#slots.flatMap((slot) => (slot.child ? [slot.child] : []))
  }

  #slotOf(child: ChildHandle): Slot | undefined {
    return this.#slots.find((slot) => slot.child === child)
  }

  #say(level: LogLevel, text: string): void {
    const line = `[decnet] ${text}`
    if (this.#log) this.#log(level, line)
    else if (level === 'debug') debug(text)
    else (level === 'info' ? this.#stdout : this.#stderr).write(`${line}\n`)
  }
}
