/**
 * An attacker's behaviour state: every running aggregate its behaviour
 * section is derived from, folded one line at a time in log order and never
 * from its stored lines. Pure; no I/O. Folding A then B (through the stored
 * JSON) gives what folding A and B at once gives, since each line moves the
 * state the same way whatever batch it came in.
 */
import type {AttackerBehavior} from '../../../attackers/attacker-behavior.js'
import type {BehaviorSignal, TcpSnapshot} from './behavior-signal.js'
import type {TimingJson} from './timing-aggregate.js'

import {beaconOf, classifyBehavior} from './behavior-class.js'
import {cadenceTools, HEADER_TOOLS, toolGuesses} from './tool-guesses.js'
import {TimingAggregate} from './timing-aggregate.js'

/** What the fold reads of a line. */
export interface BehaviorLine {
  id: number
  /** Event time, ISO-8601 UTC. */
  timestamp: string
  service: string
  /** DECNET's bucket of the line (absent: noise, or DECNET's own sniffer and prober). */
  activity?: 'interaction' | 'scan'
  /** A recorded session's own service (`ssh`, `telnet`), for a `session_recorded` line. */
  sessionService?: null | string
  signal?: BehaviorSignal
}

/** The state as stored in `attacker_behavior.state`. */
export interface BehaviorStateJson {
  timing: TimingJson
  /** Logical services (see {@link logicalService}), sorted. */
  services: string[]
  /** First and last time (ms) of a scan line, and of an interaction line. */
  recon: [null | number, null | number]
  action: [null | number, null | number]
  largePayloads: number
  /** Header tools seen. */
  tools: string[]
  /** The sniffer's OS labels, TTLs seen, positive hop distances: value -> lines. */
  os: Record<string, number>
  ttl: Record<string, number>
  hop: Record<string, number>
  /** The latest (by event time, then log id) TCP snapshot, IP-ID class and ISN class. */
  tcp: Latest<TcpSnapshot> | null
  ipid: Latest<string> | null
  isn: Latest<string> | null
  retransmits: number
}

/** A value and the (time, log id) of the line it came from. */
interface Latest<T> {
  at: number
  id: number
  value: T
}

/**
 * DECNET's helpers that serve SSH and Telnet (its PAM helper, the bash
 * logger, the session recorder, login) and those services themselves count
 * as one service: the helpers' lines do not say which of the two they
 * served, and counted apart they push one login toward `scanning`.
 */
const SHELL_PRODUCERS: ReadonlySet<string> = new Set(['auth-helper', 'bash', 'sessrec', 'login', 'ssh', 'telnet'])
/** Logical services kept at most (more cannot change the class: it looks at 1, 2 and 3). */
const MAX_SERVICES = 64
/** OS labels kept at most (DECNET's sniffer has 8). */
const MAX_LABELS = 32

/** The service a line counts for in the class's service count. */
export function logicalService(service: string, sessionService?: null | string): string {
  if (SHELL_PRODUCERS.has(service) || (sessionService !== undefined && sessionService !== null && SHELL_PRODUCERS.has(sessionService))) return 'shell'
  return service
}

/**
 * One attacker's behaviour, being folded.
 *
 * @example
 * ```ts
 * const fold = BehaviorFold.from(stored?.state)
 * for (const line of fresh) fold.see(line)
 * const row = {ip, state: JSON.stringify(fold.toJson()), profile: JSON.stringify(fold.profile())}
 * ```
 */
export class BehaviorFold {
  readonly #state: BehaviorStateJson
  readonly #timing: TimingAggregate

  private constructor(state: BehaviorStateJson) {
    this.#state = state
    this.#timing = TimingAggregate.fromJson(state.timing)
  }

  /**
   * The fold of a stored state (JSON text, or parsed: then folded in place, so
   * a caller keeping it must drop it if the fold is not committed), or of
   * nothing.
   */
  static from(state?: BehaviorStateJson | string): BehaviorFold {
    if (state === undefined) return new BehaviorFold(emptyState())
    return new BehaviorFold(typeof state === 'string' ? (JSON.parse(state) as BehaviorStateJson) : state)
  }

  see(line: BehaviorLine): void {
    const s = this.#state
    const ms = Date.parse(line.timestamp)
    if (line.activity !== undefined && !Number.isNaN(ms)) {
      this.#timing.add(ms)
      const service = logicalService(line.service, line.sessionService)
      if (!s.services.includes(service) && s.services.length < MAX_SERVICES) {
        s.services.push(service)
        s.services.sort()
      }

      widen(line.activity === 'scan' ? s.recon : s.action, ms)
    }

    const signal = line.signal
    if (signal === undefined) return
    if (signal.largePayload) s.largePayloads++
    if (signal.tools !== undefined) {
      for (const tool of signal.tools) if (!s.tools.includes(tool)) s.tools.push(tool)
      s.tools.sort((a, b) => HEADER_TOOLS.indexOf(a) - HEADER_TOOLS.indexOf(b))
    }

    if (signal.os !== undefined) count(s.os, signal.os, MAX_LABELS)
    if (signal.ttl !== undefined) count(s.ttl, String(signal.ttl), 256)
    if (signal.hop !== undefined) count(s.hop, String(signal.hop), 256)
    if (signal.retransmits !== undefined) s.retransmits += signal.retransmits
    const at = Number.isNaN(ms) ? 0 : ms
    if (signal.tcp !== undefined) s.tcp = latest(s.tcp, {at, id: line.id, value: signal.tcp})
    if (signal.ipid !== undefined) s.ipid = latest(s.ipid, {at, id: line.id, value: signal.ipid})
    if (signal.isn !== undefined) s.isn = latest(s.isn, {at, id: line.id, value: signal.isn})
  }

  toJson(): BehaviorStateJson {
    return {...this.#state, timing: this.#timing.toJson()}
  }

  /** The behaviour section the state gives. */
  profile(): AttackerBehavior {
    const s = this.#state
    const {unplaced, ...stats} = this.#timing.stats()
    const cls = classifyBehavior({cv: stats.cv, eventCount: stats.eventCount, meanIatS: stats.meanIatS, services: s.services.length})
    const osLabel = modal(s.os, (a, b) => (a < b ? -1 : a > b ? 1 : 0))
    const guess = osLabel ?? ttlGuess(modal(s.ttl, (a, b) => Number(a) - Number(b)))
    const [reconStart, reconEnd] = s.recon
    const [actionStart, actionEnd] = s.action
    const tcp = s.tcp === null ? null : {...s.tcp.value, ...(s.ipid === null ? {} : {ipid_class: s.ipid.value}), ...(s.isn === null ? {} : {isn_class: s.isn.value})}
    return {
      class: cls,
      serviceCount: s.services.length,
      timing: {...stats, unplaced},
      beacon: beaconOf(cls, stats.meanIatS, stats.cv),
      toolGuesses: toolGuesses((s.os.nmap ?? 0) > 0, cadenceTools(stats.eventCount, stats.meanIatS, stats.cv), s.tools),
      phases: {
        reconStart: iso(reconStart),
        reconEnd: iso(reconEnd),
        actionStart: iso(actionStart),
        actionEnd: iso(actionEnd),
        exfilLatencyS: reconEnd !== null && actionStart !== null && actionStart >= reconEnd ? (actionStart - reconEnd) / 1000 : null,
        largePayloads: s.largePayloads,
      },
      os: {guess, hopDistance: medianHop(s.hop), tcpFingerprint: tcp},
      retransmits: s.retransmits,
    }
  }
}

function emptyState(): BehaviorStateJson {
  return {
    action: [null, null], hop: {}, ipid: null, isn: null, largePayloads: 0, os: {}, recon: [null, null], retransmits: 0, services: [],
    tcp: null, timing: TimingAggregate.empty().toJson(), tools: [], ttl: {},
  }
}

function widen(range: [null | number, null | number], ms: number): void {
  if (range[0] === null || ms < range[0]) range[0] = ms
  if (range[1] === null || ms > range[1]) range[1] = ms
}

function count(counts: Record<string, number>, key: string, max: number): void {
  if (Object.hasOwn(counts, key)) counts[key]++
  else if (Object.keys(counts).length < max) counts[key] = 1
}

/** The later of two values by (time, log id): the same whatever order they arrived in. */
function latest<T>(current: Latest<T> | null, next: Latest<T>): Latest<T> {
  if (current === null || next.at > current.at || (next.at === current.at && next.id > current.id)) return next
  return current
}

/** The most counted key (ties: the first by `order`), or null. */
function modal(counts: Record<string, number>, order: (a: string, b: string) => number): null | string {
  let best: null | string = null
  for (const [key, n] of Object.entries(counts)) {
    if (best === null || n > counts[best] || (n === counts[best] && order(key, best) < 0)) best = key
  }

  return best
}

/** DECNET's TTL ranges: 55-70 linux, 115-135 windows, 235-255 embedded. */
function ttlGuess(ttl: null | string): null | string {
  if (ttl === null) return null
  const n = Number(ttl)
  if (n >= 55 && n <= 70) return 'linux'
  if (n >= 115 && n <= 135) return 'windows'
  if (n >= 235 && n <= 255) return 'embedded'
  return null
}

/** The integer median of the positive hop distances (the mean of the two middle ones, rounded down), or null. */
function medianHop(hops: Record<string, number>): null | number {
  const sorted = Object.entries(hops).map(([hop, n]) => [Number(hop), n] as const).sort(([a], [b]) => a - b)
  const total = sorted.reduce((sum, [, n]) => sum + n, 0)
  if (total === 0) return null
  const at = (rank: number): number => {
    let seen = 0
    for (const [hop, n] of sorted) if (rank < (seen += n)) return hop
    return Number.NaN
  }

  return Math.floor((at(Math.floor((total - 1) / 2)) + at(Math.floor(total / 2))) / 2)
}

function iso(ms: null | number): null | string {
  return ms === null ? null : new Date(ms).toISOString()
}
