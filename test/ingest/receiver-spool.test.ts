/**
 * Issue 18 §2 "Durability": `decnet receive` spools to disk while its
 * database is away and drains the spool in order, exactly once, when it is
 * back. The real CLI on loopback against a real PostgreSQL database reached
 * through a TCP proxy the test cuts (connections killed, new ones refused)
 * and restores; every wait is on what the receiver says it did.
 */
import assert from 'node:assert/strict'
import {createSocket} from 'node:dgram'
import {appendFileSync, copyFileSync, mkdirSync, readdirSync, readFileSync, statSync, symlinkSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'
import {describe, test, type TestContext} from 'node:test'

import {withDatabase} from '../../dist/db/open.js'
import {freshDatabase, skipReason} from '../helpers/databases.js'
import {startDecnet, type FollowRun} from '../helpers/follow-run.js'
import {LINE, closeClient, octets, peer, portOf, startReceiver, stopReceiver, tcpClient, workDir} from '../helpers/syslog-run.js'
import {startTcpProxy, type TcpProxy} from '../helpers/tcp-proxy.js'

/** A fresh PostgreSQL database, its URL, and a proxy to its server the test can cut. */
async function proxiedPostgres(t: TestContext): Promise<{url: string; proxied: string; proxy: TcpProxy}> {
  const db = await freshDatabase('postgres', t)
  t.after(() => db.cleanup())
  const server = new URL(db.url)
  const proxy = await startTcpProxy(server.hostname, Number(server.port))
  t.after(() => proxy.close())
  return {url: db.url, proxied: proxy.rewrite(db.url), proxy}
}

/** Sends lines `from`..`to - 1` (octet counting) on a new connection, closes it, and waits until the receiver has made them durable. */
async function sendLines(run: FollowRun, port: number, from: number, to: number, tag: string): Promise<void> {
  const client = await tcpClient(port)
  const name = peer('tcp', client)
  client.write(Array.from({length: to - from}, (_, i) => octets(LINE(from + i, tag))).join(''))
  await closeClient(client)
  await run.saw(`${name} closed after ${to - from} messages`)
}

/** The line numbers stored with `tag`, in the order of their ids (the order they were committed). */
const storedNumbers = (url: string, tag: string): Promise<number[]> =>
  withDatabase(url, async (db) => {
    const rows = await db.selectFrom('logs').select('raw_line').where('raw_line', 'like', `% ${tag} attempt %`).orderBy('id').execute()
    return rows.map((row) => Number(/ attempt (\d+)$/.exec(row.raw_line)![1]))
  })

/** oclif's error output as one line (it wraps long messages behind ` ›   `). */
const oneLine = (text: string): string => text.replace(/\s*\n\s*›\s*/g, ' ')
const range = (from: number, to: number): number[] => Array.from({length: to - from}, (_, i) => from + i)

/** Asserts that `stored` is `from`..`to - 1` in order, saying where it is not (a long array's diff says little). */
function assertRange(stored: readonly number[], from: number, to: number, what: string): void {
  const wrong = stored.findIndex((n, i) => n !== from + i)
  const distinct = new Set(stored).size
  assert.ok(wrong === -1 && stored.length === to - from, `${what}: ${stored.length} stored (${distinct} distinct), expected ${to - from}; first out of place at index ${wrong}: ${JSON.stringify(stored.slice(Math.max(0, wrong - 3), wrong + 5))}`)
}
const segments = (dir: string): string[] => readdirSync(dir).filter((name) => name.startsWith('segment-')).sort()
const spoolBytes = (dir: string): number => segments(dir).reduce((sum, name) => sum + statSync(join(dir, name)).size, 0)

// bounded: a receiver that stopped draining would leave a test waiting for its sender to drain
describe('decnet receive: the spool while PostgreSQL is away', {skip: skipReason('postgres'), timeout: 600_000}, () => {
  test('lines sent during an outage are fsync\'d to the spool, then land exactly once, in order, when the database is back', async (t) => {
    const {url, proxied, proxy} = await proxiedPostgres(t)
    const spool = join(workDir(t), 'spool')
    const {run, addresses} = await startReceiver(t, ['--listen', 'tcp://127.0.0.1:0', '--db', proxied, '--spool-dir', spool, '--json'])
    const port = portOf(addresses[0])
    assert.equal(statSync(spool).mode & 0o777, 0o700)
    await sendLines(run, port, 0, 1000, 'out')
    await proxy.cut()
    await sendLines(run, port, 1000, 3000, 'out')
    await run.saw(`spooling to ${spool}`)
    assert.deepEqual(await storedNumbers(url, 'out'), range(0, 1000), 'the database has only what came before the outage')
    assert.ok(segments(spool).length > 0, 'the spooled lines are on disk')
    await proxy.restore()
    await run.saw('spool drained')
    assert.deepEqual(segments(spool), [], 'drained segments are deleted')
    await sendLines(run, port, 3000, 3500, 'out')
    const summary = await stopReceiver(run)
    assert.deepEqual(await storedNumbers(url, 'out'), range(0, 3500), 'every line once, in the order sent')
    assert.deepEqual([summary.accepted, summary.spooled, summary.spoolBytes], [3500, 2000, 0])
  })

  test('SIGKILL while lines are spooled: a restart drains them (a cut tail dropped); replaying segments already drained stores nothing twice', async (t) => {
    const {url, proxied, proxy} = await proxiedPostgres(t)
    const work = workDir(t)
    const spool = join(work, 'spool')
    const args = ['--listen', 'tcp://127.0.0.1:0', '--db', proxied, '--spool-dir', spool, '--json']
    const first = await startReceiver(t, args)
    await sendLines(first.run, portOf(first.addresses[0]), 0, 500, 'kill')
    await proxy.cut()
    await sendLines(first.run, portOf(first.addresses[0]), 500, 2500, 'kill')
    first.run.child.kill('SIGKILL')
    assert.equal((await first.run.done).signal, 'SIGKILL')
    // keep the spooled segments as they are, to put them back after they are drained
    const kept = join(work, 'kept')
    mkdirSync(kept)
    for (const name of segments(spool)) copyFileSync(join(spool, name), join(kept, name))
    // an append cut by the crash: a header announcing more bytes than follow
    const last = segments(spool).at(-1)!
    appendFileSync(join(spool, last), Buffer.from([200, 0, 0, 0, 1, 2, 3, 4, 9, 9]))
    await proxy.restore()

    const second = await startReceiver(t, args)
    await second.run.saw(`spool: ${last}: a header cut after 10 of its 16 bytes at byte`)
    await second.run.saw('spool drained')
    const drained = await stopReceiver(second.run)
    assert.deepEqual(drained.accepted, 2000)
    assert.deepEqual(await storedNumbers(url, 'kill'), range(0, 2500))

    // a crash after the drain's commit but before its segments were deleted
    for (const name of readdirSync(kept)) copyFileSync(join(kept, name), join(spool, name))
    const third = await startReceiver(t, args)
    assert.deepEqual(segments(spool), [], 'segments the database already has are deleted at start, not replayed')
    const replayed = await stopReceiver(third.run)
    assert.equal(replayed.accepted, 0)
    assert.deepEqual(await storedNumbers(url, 'kill'), range(0, 2500), 'nothing twice')
  })

  test('a full spool stops the receiver reading (the TCP sender is blocked) and UDP drops are counted; all resumes when the database is back', async (t) => {
    const {url, proxied, proxy} = await proxiedPostgres(t)
    const spool = join(workDir(t), 'spool')
    const maxBytes = 1024 * 1024
    const {run, addresses} = await startReceiver(t, ['--listen', 'tcp://127.0.0.1:0', '--listen', 'udp://127.0.0.1:0', '--db', proxied, '--spool-dir', spool, '--spool-max-bytes', String(maxBytes), '--max-buffered', String(2 * 1024 * 1024), '--json'])
    await proxy.cut()
    const sender = await tcpClient(portOf(addresses[0]))
    const name = peer('tcp', sender)
    let drained = false
    sender.on('drain', () => (drained = true))
    // ~30 MB: far more than the spool and both kernels' socket buffers hold
    const total = 200_000
    sender.write(Array.from({length: total}, (_, i) => octets(LINE(i, 'full'))).join(''))
    await run.saw(`spool full (`)

    // the receiver still answers (it takes UDP datagrams until its buffer budget is spent, then drops and counts them)
    const udp = createSocket('udp4')
    t.after(() => udp.close())
    const datagram = `${LINE(0, 'udp')} ${'u'.repeat(900)}\n`
    let sent = 0
    const dropped = run.saw('udp: dropped a datagram from udp://127.0.0.1:')
    let stop = false
    void dropped.finally(() => (stop = true))
    while (!stop && sent < 20_000) {
      await new Promise<void>((resolve) => udp.send(datagram, portOf(addresses[1]), '127.0.0.1', () => resolve()))
      sent++
    }

    await dropped
    assert.ok(sender.writableLength > 0 && !drained, 'the sender\'s bytes sit unread: TCP pushes back')
    assert.ok(spoolBytes(spool) <= maxBytes, `the spool holds ${spoolBytes(spool)} bytes, at most ${maxBytes}`)
    const restoredAt = run.stderr().length
    await proxy.restore()
    if (sender.writableLength > 0) await new Promise((resolve) => sender.once('drain', resolve))
    await closeClient(sender)
    await run.saw(`${name} closed after ${total} messages`)
    // its last lines may still be in the spool (durable): the drainer stores them
    await run.saw('spool drained', restoredAt)
    const summary = await stopReceiver(run)
    assertRange(await storedNumbers(url, 'full'), 0, total, 'every TCP line once, in order')
    assert.ok(summary.udpDropped > 0, 'UDP drops are counted')
    const udpStored = await withDatabase(url, (db) => db.selectFrom('logs').select((eb) => eb.fn.countAll<number>().as('n')).where('raw_line', 'like', '% udp attempt %').executeTakeFirstOrThrow())
    assert.ok(Number(udpStored.n) + summary.udpDropped <= sent, `${udpStored.n} stored + ${summary.udpDropped} dropped <= ${sent} sent`)
    assert.equal(summary.spoolBytes, 0)
  })

  test('a symbolic link planted at the next segment\'s path is refused, never followed: the batch is not acknowledged', async (t) => {
    const {proxied, proxy} = await proxiedPostgres(t)
    const work = workDir(t)
    const spool = join(work, 'spool')
    const target = join(work, 'target')
    writeFileSync(target, 'untouched\n')
    const {run, addresses} = await startReceiver(t, ['--listen', 'tcp://127.0.0.1:0', '--db', proxied, '--spool-dir', spool, '--json'])
    // a fresh database and spool: the first batch's first record is number 1 * 2^20 (records are numbered BATCH * 2^20 + PART)
    const planted = join(spool, `segment-${String(2 ** 20).padStart(16, '0')}.spool`)
    symlinkSync(target, planted)
    await proxy.cut()
    const client = await tcpClient(portOf(addresses[0]))
    client.on('error', () => undefined)
    const name = peer('tcp', client)
    client.write(octets(LINE(1, 'planted')))
    await run.saw(`cannot create the spool segment ${planted}: something (a file or a symbolic link) is already at that path`)
    await run.saw(`${name}: not stored`)
    await new Promise((resolve) => client.once('close', resolve))
    assert.equal(readFileSync(target, 'utf8'), 'untouched\n')
    await proxy.restore()
    const summary = await stopReceiver(run)
    assert.equal(summary.accepted, 0)
  })
})

describe('decnet receive: the spool directory', () => {
  test('a symbolic link among the segments, or as the spool directory, is refused at start (exit 1), and nothing is followed', async (t) => {
    const db = await freshDatabase('sqlite')
    t.after(() => db.cleanup())
    const work = workDir(t)
    const target = join(work, 'target')
    writeFileSync(target, 'untouched\n')
    const spool = join(work, 'spool')
    mkdirSync(spool, {mode: 0o700})
    symlinkSync(target, join(spool, 'segment-0000000000000001.spool'))
    const refused = await startDecnet(['receive', '--listen', 'tcp://127.0.0.1:0', '--db', db.url, '--spool-dir', spool], {debug: ''}).done
    assert.equal(refused.code, 1, refused.stderr)
    assert.match(oneLine(refused.stderr), /the spool segment \S+segment-0000000000000001\.spool is not a regular file \(a symbolic link\): refusing to read or follow it/)

    const linked = join(work, 'linked-spool')
    symlinkSync(work, linked)
    const linkedRun = await startDecnet(['receive', '--listen', 'tcp://127.0.0.1:0', '--db', db.url, '--spool-dir', linked], {debug: ''}).done
    assert.equal(linkedRun.code, 1, linkedRun.stderr)
    assert.match(oneLine(linkedRun.stderr), /the spool directory \S+linked-spool is a symbolic link: refusing to follow it/)
    assert.equal(readFileSync(target, 'utf8'), 'untouched\n')
  })

  test('one receiver per spool directory: a second one is refused while the first runs', async (t) => {
    const db = await freshDatabase('sqlite')
    t.after(() => db.cleanup())
    const spool = join(workDir(t), 'spool')
    const {run} = await startReceiver(t, ['--listen', 'tcp://127.0.0.1:0', '--db', db.url, '--spool-dir', spool, '--json'])
    const second = await startDecnet(['receive', '--listen', 'tcp://127.0.0.1:0', '--db', db.url, '--spool-dir', spool], {debug: ''}).done
    assert.equal(second.code, 1, second.stderr)
    assert.match(oneLine(second.stderr), new RegExp(`the spool \\S+ is in use by process ${run.child.pid}`))
    await stopReceiver(run)
  })
})
