#!/usr/bin/env node
/**
 * The receiver benchmark (issue 18 §5): `decnet receive` into SQLite.
 *
 *   node --import tsx bench/receive.js [--lines N] [--flood-connections C] [--flood-lines L]
 *
 * 1. Throughput: N generated lines (default 200,000), octet-counted, sent
 *    over TCP and over mutual TLS (certificates made by the openssl CLI at
 *    run time) by 1, 10 and 100 connections at once, each its share, as
 *    fast as the receiver reads; timed from the first byte sent until the
 *    receiver says the last connection's lines are durable ("closed after
 *    N messages", printed after its commit). Each case on a fresh database
 *    and spool. Same-run baseline: `decnet ingest FILE` of the same lines
 *    (process start included, as the receiver's is not). Also the
 *    receiver's CPU (all threads, /proc/PID/stat) per 1M lines and its
 *    commits. The generator's empty junk lines are not sent: an empty
 *    octet-counted frame (`0 `) is a framing error (RFC 6587: MSG-LEN starts
 *    with a nonzero digit) that closes the connection; every case checks
 *    that the receiver framed every line sent.
 * 2. Memory under a flood: C connections (default 250) each pouring L lines
 *    (default 2,000) at once over TCP; the receiver's peak RSS (VmHWM)
 *    against its RSS when idle, listening.
 *
 * Prints a markdown report on stdout. Needs a build (dist/).
 */
import {spawn} from 'node:child_process'
import {mkdtempSync, readFileSync, rmSync, writeFileSync} from 'node:fs'
import {connect} from 'node:net'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {connect as tlsConnect} from 'node:tls'
import {fileURLToPath} from 'node:url'
import {parseArgs} from 'node:util'

import {makeCertificates} from '../test/helpers/test-certificates.ts'
import {generateLines} from './lib/gen-logs.js'
import {describeMachine, loadAverage} from './lib/machine.js'
import {markdownTable} from './lib/markdown-table.js'

const BIN = fileURLToPath(new URL('../bin/run.js', import.meta.url))
const {values} = parseArgs({options: {lines: {type: 'string', default: '200000'}, 'flood-connections': {type: 'string', default: '250'}, 'flood-lines': {type: 'string', default: '2000'}}})
const lines = Number(values.lines)
const floodConnections = Number(values['flood-connections'])
const floodLines = Number(values['flood-lines'])
const dir = mkdtempSync(join(tmpdir(), 'decnet-bench-receive-'))
let runs = 0

const octets = (text) => `${Buffer.byteLength(text)} ${text}`

/** Starts `decnet receive ARGS` (DEBUG=decnet:syslog); resolves once it listens, with its addresses and a way to await "closed after" lines. */
async function startReceiver(args) {
  const run = ++runs
  const child = spawn(process.execPath, [BIN, 'receive', '--db', join(dir, `receive-${run}.sqlite`), '--spool-dir', join(dir, `spool-${run}`), ...args], {env: {...process.env, DEBUG: 'decnet:syslog', DEBUG_COLORS: '0'}, stdio: ['ignore', 'ignore', 'pipe']})
  let buffer = ''
  let closed = 0
  let messages = 0
  let commits = 0
  const addresses = []
  const waiters = []
  const notify = () => {
    for (const waiter of [...waiters]) if (waiter.check()) waiters.splice(waiters.indexOf(waiter), 1)
  }

  child.stderr.setEncoding('utf8').on('data', (data) => {
    buffer += data
    for (let nl = buffer.indexOf('\n'); nl !== -1; nl = buffer.indexOf('\n')) {
      const line = buffer.slice(0, nl)
      buffer = buffer.slice(nl + 1)
      const listening = /listening on (\S+)/.exec(line)
      if (listening) addresses.push(listening[1])
      const after = / closed after (\d+) messages/.exec(line)
      if (after) {
        closed++
        messages += Number(after[1])
      }

      if (/ committed \d+ messages/.test(line)) commits++
    }

    notify()
  })
  const exited = new Promise((resolve) => child.once('close', resolve))
  const until = (check) =>
    new Promise((resolve, reject) => {
      const waiter = {check: () => check() && (resolve(performance.now()), true)}
      if (!waiter.check()) waiters.push(waiter)
      void exited.then(() => reject(new Error(`decnet receive exited early`)))
    })
  const wanted = args.filter((arg) => /^(tcp|tls):\/\//.test(arg)).length
  await until(() => addresses.length >= wanted)
  const port = (protocol) => Number(/:(\d+)$/.exec(addresses.find((address) => address.startsWith(protocol)))[1])
  return {
    child,
    port,
    closedAtLeast: (n) => until(() => closed >= n),
    /** Messages framed by the connections closed so far, and commits so far. */
    counts: () => ({messages, commits}),
    /** CPU seconds used so far, all threads. */
    cpu() {
      const fields = readFileSync(`/proc/${child.pid}/stat`, 'utf8').split(') ')[1].split(' ')
      return (Number(fields[11]) + Number(fields[12])) / 100
    },
    async stop() {
      child.kill('SIGTERM')
      await exited
    },
  }
}

/** Opens `count` connections (TCP, or TLS with `tls` options); resolves with the sockets once all are connected. */
function openConnections(count, port, tls) {
  return Promise.all(
    Array.from({length: count}, () =>
      new Promise((resolve, reject) => {
        const socket = tls ? tlsConnect({host: '127.0.0.1', port, ...tls}, () => resolve(socket)) : connect({host: '127.0.0.1', port}, () => resolve(socket))
        socket.once('error', reject)
      })),
  )
}

/**
 * Sends `texts[i]` on `sockets[i]` and ends each; the receiver's "closed
 * after" lines say when it is all stored. Throws unless it framed `expected`
 * messages. Returns the seconds, the receiver's CPU seconds and commits.
 */
async function pour(receiver, sockets, texts, expected) {
  const cpu = receiver.cpu()
  const {commits} = receiver.counts()
  const began = performance.now()
  for (const [i, socket] of sockets.entries()) socket.end(texts[i])
  const done = await receiver.closedAtLeast(sockets.length)
  const counts = receiver.counts()
  if (counts.messages !== expected) throw new Error(`the receiver framed ${counts.messages} messages of the ${expected} sent`)
  return {seconds: (done - began) / 1000, cpu: receiver.cpu() - cpu, commits: counts.commits - commits}
}

/** The framed lines cut into `parts` texts, one a connection. */
function share(framed, parts) {
  const texts = Array.from({length: parts}, () => [])
  for (const [i, frame] of framed.entries()) texts[i % parts].push(frame)
  return texts.map((frames) => frames.join(''))
}

async function batchBaseline(file) {
  const began = performance.now()
  const child = spawn(process.execPath, [BIN, 'ingest', file, '--db', join(dir, 'batch.sqlite')], {stdio: 'ignore'})
  const code = await new Promise((resolve) => child.once('close', resolve))
  if (code !== 0) throw new Error(`decnet ingest exited ${code}`)
  return (performance.now() - began) / 1000
}

function vm(pid, field) {
  const match = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(readFileSync(`/proc/${pid}/status`, 'utf8'))
  return Number(match[1]) / 1024
}

try {
  const generated = [...generateLines(lines)]
  const file = join(dir, 'decnet.log')
  writeFileSync(file, `${generated.join('\n')}\n`)
  const framed = generated.filter((line) => line.length > 0).map(octets)
  const certs = makeCertificates(mkdtempSync(join(dir, 'certs-')))
  const tlsClient = {ca: readFileSync(certs['ca.crt']), cert: readFileSync(certs['client.crt']), key: readFileSync(certs['client.key'])}
  const machine = describeMachine()
  const loadBefore = loadAverage()
  const batchSeconds = await batchBaseline(file)
  const rows = [['`decnet ingest FILE` (baseline)', '-', Math.round(lines / batchSeconds).toLocaleString('en'), '1.00', '', '']]
  for (const protocol of ['tcp', 'tls']) {
    for (const connections of [1, 10, 100]) {
      const tlsArgs = protocol === 'tls' ? ['--tls-cert', certs['server.crt'], '--tls-key', certs['server.key'], '--tls-ca', certs['ca.crt']] : []
      const receiver = await startReceiver(['--listen', `${protocol}://127.0.0.1:0`, ...tlsArgs])
      const sockets = await openConnections(connections, receiver.port(protocol), protocol === 'tls' ? tlsClient : undefined)
      const {seconds, cpu, commits} = await pour(receiver, sockets, share(framed, connections), framed.length)
      await receiver.stop()
      const rate = framed.length / seconds
      rows.push([`decnet receive, ${protocol.toUpperCase()}`, String(connections), Math.round(rate).toLocaleString('en'), (rate / (lines / batchSeconds)).toFixed(2), ((cpu / framed.length) * 1e6).toFixed(1), commits.toLocaleString('en')])
    }
  }

  const flood = await startReceiver(['--listen', 'tcp://127.0.0.1:0'])
  const idleRss = vm(flood.child.pid, 'VmRSS')
  const floodSent = [...generateLines(floodLines, {seed: 7})].filter((line) => line.length > 0)
  const floodFramed = floodSent.map(octets).join('')
  const sockets = await openConnections(floodConnections, flood.port('tcp'))
  const {seconds: floodSeconds} = await pour(flood, sockets, sockets.map(() => floodFramed), floodSent.length * floodConnections)
  const peakRss = vm(flood.child.pid, 'VmHWM')
  await flood.stop()

  console.log(`machine: ${machine.nproc} cores, ${machine.cpuModel}, ${machine.memoryGiB.toFixed(1)} GiB, node ${machine.node}; load average before ${loadBefore}, after ${loadAverage()}\n`)
  console.log(markdownTable(['writer', 'connections', `lines/s (${framed.length.toLocaleString('en')} lines into SQLite)`, 'ratio to baseline', 'receiver CPU-s per 1M lines', 'commits'], rows))
  console.log()
  console.log(markdownTable(['flood', 'measure'], [
    [`${floodConnections} TCP connections x ${floodLines.toLocaleString('en')} lines, at once`, `${Math.round((floodConnections * floodSent.length) / floodSeconds).toLocaleString('en')} lines/s`],
    ['receiver RSS idle (listening)', `${idleRss.toFixed(0)} MiB`],
    ['receiver peak RSS (VmHWM) during the flood', `${peakRss.toFixed(0)} MiB`],
  ]))
} finally {
  rmSync(dir, {recursive: true, force: true})
}
