/**
 * Issue 18 §2: `decnet receive`, a syslog receiver. RFC 6587 octet counting
 * and LF framing over TCP (detected per connection), RFC 5425 mutual TLS
 * (certificates made by the openssl CLI), RFC 5426 UDP; limits (connections,
 * message size, bad frames, idle senders); rejected lines carry the peer as
 * their source. The real CLI on loopback, real SQLite and PostgreSQL; every
 * wait is on what the receiver says it did.
 */
import assert from 'node:assert/strict'
import {createSocket} from 'node:dgram'
import {readFileSync} from 'node:fs'
import {describe, test, type TestContext} from 'node:test'
import {connect as tlsConnect, type TLSSocket} from 'node:tls'

import {withDatabase} from '../../dist/db/open.js'
import type {DatabaseKind} from '../helpers/databases.js'
import {DATABASE_KINDS, freshDatabase, skipReason} from '../helpers/databases.js'
import {countStored} from '../helpers/ingest-run.js'
import {LINE, closeClient, octets, peer, portOf, startReceiver, stopReceiver, tcpClient, workDir} from '../helpers/syslog-run.js'
import {makeCertificates, opensslMissing} from '../helpers/test-certificates.js'

const database = async (t: TestContext, kind: DatabaseKind): Promise<string> => {
  const db = (await freshDatabase(kind))
  t.after(() => db.cleanup())
  return db.url
}

const rejectedSources = (url: string): Promise<Array<{source: string; reason: string}>> =>
  withDatabase(url, (db) => db.selectFrom('rejected_lines').select(['source', 'reason']).orderBy('id').execute())

for (const kind of DATABASE_KINDS) {
  describe(`decnet receive over TCP and UDP (${kind})`, {skip: skipReason(kind)}, () => {
    test('octet counting and LF framing, each detected per connection; UDP datagrams; rejected lines name their peer', async (t) => {
      const url = await database(t, kind)
      const {run, addresses} = await startReceiver(t, ['--listen', 'tcp://127.0.0.1:0', '--listen', 'udp://127.0.0.1:0', '--db', url, '--json'])
      const port = portOf(addresses[0])
      const counted = await tcpClient(port)
      const framed = await tcpClient(port)
      // octet counting split across writes at awkward places; LF framing with a CRLF and a junk line
      const counting = Array.from({length: 200}, (_, i) => octets(LINE(i, 'oc'))).join('')
      for (let at = 0; at < counting.length; at += 777) counted.write(counting.slice(at, at + 777))
      framed.write(`${Array.from({length: 150}, (_, i) => LINE(i, 'lf')).join('\n')}\r\nnot syslog at all\n${LINE(999, 'lf')}`)
      const names = [peer('tcp', counted), peer('tcp', framed)]
      await Promise.all([closeClient(counted), closeClient(framed)])
      await run.saw(`${names[0]} closed after 200 messages`)
      await run.saw(`${names[1]} closed after 152 messages`) // the last one had no newline: the end of the stream ends it

      let at = run.stderr().length
      const udp = createSocket('udp4')
      for (let i = 0; i < 20; i++) udp.send(`${LINE(i, 'udp')}\n`, portOf(addresses[1]), '127.0.0.1')
      let seen = 0
      while (seen < 20) {
        at = await run.saw(/committed (\d+) messages, 0 rejected/, at)
        seen += Number(/committed (\d+) messages, 0 rejected[^\n]*$/.exec(run.stderr().slice(0, at))![1])
        if (seen > 20) break
      }

      udp.close()
      const summary = await stopReceiver(run)
      assert.deepEqual([summary.accepted, summary.rejected, summary.connections, summary.udpDropped], [200 + 151 + 20, 1, 2, 0])
      assert.deepEqual(await countStored(url), {logs: 371, distinctLogs: 371, rejected: 1, distinctRejected: 1})
      const [rejected] = await rejectedSources(url)
      assert.equal(rejected.source, names[1])
    })
  })
}

for (const kind of DATABASE_KINDS) {
  describe(`decnet receive killed mid-stream (${kind})`, {skip: skipReason(kind)}, () => {
    test('SIGKILL while a sender pours: what is stored is a prefix of what was sent, in order, nothing twice', async (t) => {
      const url = await database(t, kind)
      const {run, addresses} = await startReceiver(t, ['--listen', 'tcp://127.0.0.1:0', '--db', url])
      const sender = await tcpClient(portOf(addresses[0]))
      sender.on('error', () => undefined) // the receiver dies under it
      const total = 20_000
      sender.write(Array.from({length: total}, (_, i) => octets(LINE(i, 'kill'))).join(''))
      await run.saw(/committed \d+ messages/)
      run.child.kill('SIGKILL')
      assert.equal((await run.done).signal, 'SIGKILL')
      sender.destroy()
      const rows = await withDatabase(url, (db) => db.selectFrom('logs').select('raw_line').execute())
      const numbers = rows.map((row) => Number(/kill attempt (\d+)$/.exec(row.raw_line)![1])).sort((a, b) => a - b)
      assert.ok(numbers.length > 0 && numbers.length <= total, `${numbers.length} stored`)
      assert.deepEqual(numbers, Array.from({length: numbers.length}, (_, i) => i), 'messages 0..k-1, each once')
    })
  })
}

describe('decnet receive: limits', () => {
  test('a message over --max-message is rejected (its first KiB kept), a bad octet-counting frame closes only its connection, an idle one is closed', async (t) => {
    const url = await database(t, 'sqlite')
    const {run, addresses} = await startReceiver(t, ['--listen', 'tcp://127.0.0.1:0', '--db', url, '--max-message', '1000', '--idle-timeout', '0.5', '--json'])
    const port = portOf(addresses[0])
    const big = await tcpClient(port)
    const bigName = peer('tcp', big)
    big.write(octets(`${LINE(1, 'big')} ${'x'.repeat(2000)}`) + octets(LINE(2, 'big')))
    const bad = await tcpClient(port)
    const badName = peer('tcp', bad)
    bad.write(octets(LINE(3, 'bad')) + 'x12 <134>1 junk')
    await run.saw(`${badName}: bad octet-counting frame`)
    await run.saw(`${badName} closed after 1 messages`)
    await run.saw(`${bigName}: idle for 0.5 s`)
    await run.saw(`${bigName} closed after 2 messages`)
    const summary = await stopReceiver(run)
    assert.deepEqual([summary.accepted, summary.rejected], [2, 1])
    const [rejected] = await rejectedSources(url)
    assert.match(rejected.reason, /^line too long \(\d+ bytes, max 1000\)/)
  })

  test('connections past --max-connections are refused with a log line; the others go on', async (t) => {
    const url = await database(t, 'sqlite')
    const {run, addresses} = await startReceiver(t, ['--listen', 'tcp://127.0.0.1:0', '--db', url, '--max-connections', '2', '--json'])
    const port = portOf(addresses[0])
    const clients = [await tcpClient(port), await tcpClient(port)]
    const third = await tcpClient(port)
    const thirdPort = third.localPort
    await new Promise((resolve) => third.once('close', resolve))
    await run.saw(`refused tcp://127.0.0.1:${thirdPort}: 2 connections open (--max-connections)`)
    const names = clients.map((client) => peer('tcp', client))
    for (const [i, client] of clients.entries()) client.end(`${LINE(i, 'kept')}\n`)
    for (const name of names) await run.saw(`${name} closed after 1 messages`)
    const summary = await stopReceiver(run)
    assert.deepEqual([summary.accepted, summary.refused], [2, 1])
  })
})

for (const kind of DATABASE_KINDS) {
  describe(`decnet receive over mutual TLS (${kind})`, {skip: skipReason(kind) ?? opensslMissing()}, () => {
    test('a client whose certificate the CA signed is stored (a pour of many TLS records too, each message once, in order); one of another CA, or without a certificate, is refused with a log line', async (t) => {
      const url = await database(t, kind)
      const files = makeCertificates(workDir(t))
      const {run, addresses} = await startReceiver(t, ['--listen', 'tls://127.0.0.1:0', '--tls-cert', files['server.crt'], '--tls-key', files['server.key'], '--tls-ca', files['ca.crt'], '--db', url, '--json'])
      const port = portOf(addresses[0])
      const client = (name?: string): Promise<TLSSocket> =>
        new Promise((resolve, reject) => {
          const socket = tlsConnect({host: '127.0.0.1', port, ca: readFileSync(files['ca.crt']), ...(name ? {cert: readFileSync(files[`${name}.crt`]), key: readFileSync(files[`${name}.key`])} : {})}, () => resolve(socket))
          socket.once('error', reject)
        })

      const good = await client('client')
      good.write(Array.from({length: 50}, (_, i) => octets(LINE(i, 'tls'))).join(''))
      const name = peer('tls', good)
      await new Promise<void>((resolve) => {
        good.once('close', () => resolve())
        good.end()
      })
      await run.saw(`${name} closed after 50 messages`)
      // one write of many TLS records (~16 KiB each): the receiver takes what its socket already decrypted into the
      // same commit as the record it handles (syslog-connection.ts); every message once, in the order sent
      const pour = await client('client')
      const pourName = peer('tls', pour)
      pour.write(Array.from({length: 3000}, (_, i) => octets(LINE(i, 'pour'))).join(''))
      await new Promise<void>((resolve) => {
        pour.once('close', () => resolve())
        pour.end()
      })
      await run.saw(`${pourName} closed after 3000 messages`)
      const poured = await withDatabase(url, (db) => db.selectFrom('logs').select('raw_line').where('raw_line', 'like', '% pour attempt %').orderBy('id').execute())
      assert.deepEqual(poured.map((row) => Number(/ pour attempt (\d+)$/.exec(row.raw_line)![1])), Array.from({length: 3000}, (_, i) => i))
      for (const who of ['rogue', undefined]) {
        // TLS 1.3: the client may finish its side of the handshake before the server refuses; either way nothing is stored
        const refused = await client(who).then(
          (socket) => new Promise<void>((resolve) => {
            socket.on('error', () => undefined)
            socket.once('close', () => resolve())
            socket.write(octets(LINE(1, 'rogue')))
          }),
          () => undefined,
        )
        void refused
      }

      const at = await run.saw(/refused TLS client tls:\/\/127\.0\.0\.1:\d+: its certificate is not accepted \(UNABLE_TO_VERIFY_LEAF_SIGNATURE;/)
      await run.saw(/refused TLS client tls:\/\/127\.0\.0\.1:\d+: /, at)
      const summary = await stopReceiver(run)
      assert.deepEqual([summary.accepted, summary.rejected, summary.refused], [3050, 0, 2])
      assert.deepEqual(await countStored(url), {logs: 3050, distinctLogs: 3050, rejected: 0, distinctRejected: 0})
    })
  })
}
