/**
 * What the end-to-end test of the `collect` fleet (issue 18 §5) feeds it:
 * a DECNET log (decnet-corpus.ts) with a unique marker in each line, split
 * into channels by attacker (each attacker's lines go through one channel,
 * in order, so its profile does not depend on how the channels interleave),
 * a followed file written and rotated twice (rename + create, then
 * copytruncate), and senders over TCP and mutual TLS with octet counting
 * that, when the receiver dies under them, resend what was not stored.
 */
import {appendFileSync, copyFileSync, readFileSync, renameSync, truncateSync, writeFileSync} from 'node:fs'
import {connect, type Socket} from 'node:net'
import {connect as tlsConnect} from 'node:tls'

import {decnetCorpus} from './decnet-corpus.js'

/** The marker of line `n`: unique, and found again in what is stored (`logs.raw_line`, `rejected_lines.raw_line`). */
const marker = (n: number): string => `mk-${String(n).padStart(8, '0')}`
const MARKER = /mk-(\d{8})/

/** Where a line goes. */
export type Channel = 'file' | 'tcp' | 'tls'
export const CHANNELS: readonly Channel[] = Object.freeze(['file', 'tls', 'tcp'])

/** A marked log and its channels: line numbers (markers) by channel, in log order. */
export interface LiveFeed {
  /** Every line, marked, in log order. */
  readonly lines: readonly string[]
  readonly byChannel: Readonly<Record<Channel, readonly number[]>>
}

/**
 * About `count` DECNET lines, each marked: an RFC 5424 line carries its marker
 * as its PROCID (which nothing derives from), a junk line at its end.
 */
export function liveFeed(count: number, seed: number): LiveFeed {
  const {lines: raw, attackers} = decnetCorpus({lines: count, seed})
  const byChannel: Record<Channel, number[]> = {file: [], tcp: [], tls: []}
  const channelOf = new Map<string, Channel>()
  let next = 0
  const lines = raw.map((line, n) => {
    const tokens = line.split(' ')
    const marked = /^<\d+>1$/.test(tokens[0]) && tokens.length > 5 && tokens[4] === '-' ? [...tokens.slice(0, 4), marker(n), ...tokens.slice(5)].join(' ') : `${line} ${marker(n)}`
    const ip = (line.match(/198\.1[89]\.\d+\.\d+|2001:db8::[\da-f]+/g) ?? []).find((address) => attackers.has(address))
    let channel = ip === undefined ? CHANNELS[n % 3] : channelOf.get(ip)
    if (channel === undefined) {
      channel = CHANNELS[next++ % 3]
      channelOf.set(ip!, channel)
    }

    byChannel[channel].push(n)
    return marked
  })
  return {byChannel, lines}
}

/** The marker numbers in `rawLines`, counted: number -> times stored. */
export function markerCounts(rawLines: Iterable<string>): Map<number, number> {
  const counts = new Map<number, number>()
  for (const raw of rawLines) {
    const match = MARKER.exec(raw)
    if (match === null) throw new Error(`a stored line without a marker: ${JSON.stringify(raw.slice(0, 200))}`)
    const n = Number(match[1])
    counts.set(n, (counts.get(n) ?? 0) + 1)
  }

  return counts
}

/**
 * A point a writer stops at until the test opens it (to take the database
 * away while lines are still coming): `arrived` resolves when the writer is
 * there, `open()` lets it go on.
 */
export class Gate {
  readonly share: number
  readonly arrived: Promise<void>
  #arrive = (): void => undefined
  readonly #opened: Promise<void>
  #open = (): void => undefined

  /** A gate `share` (0 to 1) of the way through a writer's lines. */
  constructor(share: number) {
    this.share = share
    this.arrived = new Promise((resolve) => (this.#arrive = resolve))
    this.#opened = new Promise((resolve) => (this.#open = resolve))
  }

  /** The writer is here: waits until the gate is opened. */
  pass(): Promise<void> {
    this.#arrive()
    return this.#opened
  }

  open(): void {
    this.#open()
  }
}

/** What reads the stored markers (the test's database). */
export type StoredMarkers = () => Promise<Map<number, number>>

/** Resolves after `ms`: the pace of a sender or a writer (a log written over time), not a wait for an event. */
const pause = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms))

/** Waits until every line of `numbers` is stored (polling the database: nothing else tells). */
export async function allStored(stored: StoredMarkers, numbers: readonly number[], what: string, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    let missing: number[] = [...numbers]
    let why = ''
    try {
      const counts = await stored()
      missing = numbers.filter((n) => !counts.has(n))
    } catch (error) {
      why = ` (the database: ${(error as Error).message})` // away for a while: ask again
    }

    if (missing.length === 0) return
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}: ${missing.length} of ${numbers.length} lines not stored (first: ${missing[0]})${why}`)
    await pause(100)
  }
}

/** How a followed file is written. */
export interface FileWriterOptions {
  readonly path: string
  readonly feed: LiveFeed
  readonly stored: StoredMarkers
  /** Lines appended at once, then a pause of `paceMs`. */
  readonly chunk: number
  readonly paceMs: number
  /** Where to stop until the test says (after the copytruncate when past two thirds). */
  readonly gate?: Gate
}

/**
 * Writes the file channel's lines to `path` as a log being written: a third,
 * then a rotation by rename (`path.1`) and create, the next third (some lines
 * still go to the renamed file just before), then a copytruncate (`path.2`)
 * once what the file holds is stored (logrotate's copytruncate loses what is
 * written between its copy and its truncation, whoever reads), one line, and
 * once it is stored (a `tail -F` notices a truncation by the file being
 * shorter than what it read), the rest.
 */
export async function writeRotatedFile({path, feed, stored, chunk, paceMs, gate}: FileWriterOptions): Promise<void> {
  const numbers = feed.byChannel.file
  const text = (from: number, to: number): string => numbers.slice(from, to).map((n) => `${feed.lines[n]}\n`).join('')
  const gateAt = gate === undefined ? -1 : Math.floor(numbers.length * gate.share)
  const append = async (from: number, to: number): Promise<void> => {
    for (let at = from; at < to; at += chunk) {
      if (at <= gateAt && gateAt < at + chunk) await gate!.pass()
      appendFileSync(path, text(at, Math.min(to, at + chunk)))
      await pause(paceMs)
    }
  }

  const third = Math.floor(numbers.length / 3)
  writeFileSync(path, '', {flag: 'a'})
  await append(0, third)
  renameSync(path, `${path}.1`)
  appendFileSync(`${path}.1`, text(third, third + 5)) // the writer had it open still
  writeFileSync(path, '', {flag: 'wx'})
  await append(third + 5, 2 * third)
  await allStored(stored, numbers.slice(0, 2 * third), 'the file lines before the copytruncate')
  copyFileSync(path, `${path}.2`)
  truncateSync(path, 0)
  appendFileSync(path, text(2 * third, 2 * third + 1))
  await allStored(stored, numbers.slice(2 * third, 2 * third + 1), 'the first line after the copytruncate')
  await append(2 * third + 1, numbers.length)
  if (readFileSync(path, 'utf8') !== text(2 * third, numbers.length)) throw new Error('the followed file is not what was written')
}

/** How a syslog sender connects and sends. */
export interface SenderOptions {
  readonly protocol: 'tcp' | 'tls'
  readonly port: number
  readonly lines: readonly string[]
  readonly chunk: number
  readonly paceMs: number
  /** TLS: the client's certificate, key and the CA of the receiver's certificate (PEM). */
  readonly tls?: {readonly ca: Buffer; readonly cert: Buffer; readonly key: Buffer}
  /**
   * Called when the connection breaks before the end (the receiver was killed):
   * resolves with the index of the first line to send again on a new connection
   * (the sender's resend; see docs/ingest.md, "What a sender must resend").
   */
  readonly onBroken?: (sentUpTo: number) => Promise<number>
  readonly gate?: Gate
}

function open(options: SenderOptions): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket =
      options.protocol === 'tls'
        ? tlsConnect({...options.tls, host: '127.0.0.1', port: options.port}, () => resolve(socket))
        : connect({host: '127.0.0.1', port: options.port}, () => resolve(socket))
    socket.once('error', reject)
  })
}

/**
 * Sends `lines` with octet counting (RFC 6587), `chunk` at a time, and closes
 * the connection; when it breaks, asks `onBroken` where to start again and
 * reconnects. Resolves with the number of connections it took.
 *
 * A receiver killed after this sender's last write and its own last read
 * closes the connection cleanly (FIN, no reset): what it had read but not
 * yet made durable is lost and the sender cannot tell. So a test that kills
 * the receiver does it while every sender still has lines to send (a
 * {@link Gate} holds them), as a real sender keeps sending.
 */
export async function sendLines(options: SenderOptions): Promise<number> {
  const {lines, chunk, paceMs} = options
  let from = 0
  let connections = 0
  while (from < lines.length || connections === 0) {
    connections++
    const socket = await open(options)
    let broken = false
    const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()))
    socket.on('error', () => (broken = true))
    let at = from
    const gateAt = options.gate === undefined ? -1 : Math.floor(lines.length * options.gate.share)
    for (; at < lines.length && !broken && !socket.destroyed; at += chunk) {
      if (at <= gateAt && gateAt < at + chunk) await options.gate!.pass()
      const frames = lines.slice(at, at + chunk).map((line) => `${Buffer.byteLength(line)} ${line}`)
      await new Promise<void>((resolve) => socket.write(frames.join(''), () => resolve()))
      await pause(paceMs)
    }

    if (!broken && !socket.destroyed) {
      socket.end()
      await closed
      if (!broken) return connections
    }

    socket.destroy()
    if (options.onBroken === undefined) throw new Error(`the ${options.protocol} connection broke after ${at} lines`)
    from = await options.onBroken(Math.min(at, lines.length))
  }

  return connections
}
