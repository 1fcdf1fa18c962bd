/**
 * The receiver's on-disk spool (issue 18 §2): records come back in order
 * after a reopen; a damaged record (checksum) or a cut one ends its
 * segment there, keeping every whole record before it; an append past the
 * bound waits until `release` makes room; files are private. Real files in
 * a temporary directory.
 */
import assert from 'node:assert/strict'
import {mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {test, type TestContext} from 'node:test'

import {Spool, MIN_SPOOL_MAX_BYTES} from '../../src/ingest/spool/spool.js'
import {SpoolError} from '../../src/ingest/spool/spool-error.js'

const spoolDir = (t: TestContext): string => {
  const dir = mkdtempSync(join(tmpdir(), 'decnet-spool-'))
  t.after(() => rmSync(dir, {recursive: true, force: true}))
  return join(dir, 'spool')
}

const payload = (n: number, size = 100): Buffer => Buffer.from(`record ${n} `.padEnd(size, 'x'))
const texts = (records: ReadonlyArray<{seq: number; payload: Buffer}>): string[] => records.map((record) => `${record.seq}:${record.payload.toString().split(' ')[1]}`)

test('records come back in order after a reopen; a damaged record ends its segment there, the records before it kept', async (t) => {
  const dir = spoolDir(t)
  const logs: string[] = []
  const spool = await Spool.open({dir, log: (line) => logs.push(line)})
  for (let n = 1; n <= 5; n++) await spool.append(n, payload(n))
  assert.deepEqual(texts(await spool.read(0, 1 << 20)), ['1:1', '2:2', '3:3', '4:4', '5:5'])
  assert.deepEqual(texts(await spool.read(3, 1 << 20)), ['4:4', '5:5'])
  await spool.close()
  assert.equal(statSync(dir).mode & 0o777, 0o700)
  const [segment] = readdirSync(dir).filter((name) => name.startsWith('segment-'))
  assert.equal(statSync(join(dir, segment)).mode & 0o777, 0o600)

  // flip one byte in the 4th record's payload: its checksum fails
  const file = join(dir, segment)
  const bytes = readFileSync(file)
  const fourth = 3 * (16 + 100) + 16 + 20
  bytes[fourth] ^= 0xff
  writeFileSync(file, bytes)
  const reopened = await Spool.open({dir, log: (line) => logs.push(line)})
  t.after(() => reopened.close())
  assert.deepEqual(texts(await reopened.read(0, 1 << 20)), ['1:1', '2:2', '3:3'])
  assert.equal(reopened.lastSeq, 3)
  assert.match(logs.join('\n'), /spool: segment-0000000000000001\.spool: record 4 fails its checksum at byte 348; keeping the 3 whole records before it, dropping its last 232 bytes/)
  assert.equal(statSync(file).size, 3 * 116)
  await reopened.append(9, payload(9))
  assert.deepEqual(texts(await reopened.read(3, 1 << 20)), ['9:9'])
})

test('an append past the bound waits until release makes room; an aborted wait stores nothing', async (t) => {
  const dir = spoolDir(t)
  const spool = await Spool.open({dir, maxBytes: MIN_SPOOL_MAX_BYTES})
  t.after(() => spool.close())
  const big = 200 * 1024
  for (let n = 1; n <= 5; n++) await spool.append(n, payload(n, big))
  assert.ok(spool.bytes <= MIN_SPOOL_MAX_BYTES)
  let appended = false
  const waiting = spool.append(6, payload(6, big)).then(() => (appended = true))
  await new Promise((resolve) => setImmediate(resolve))
  assert.equal(appended, false)
  assert.equal(spool.full, true)
  await spool.release(2)
  await waiting
  assert.equal(spool.full, false)
  assert.ok(spool.bytes <= MIN_SPOOL_MAX_BYTES)
  assert.deepEqual(texts(await spool.read(2, 1 << 30)), ['3:3', '4:4', '5:5', '6:6'])

  await spool.append(7, payload(7, big))
  const stop = new AbortController()
  const refused = spool.append(8, payload(8, big), stop.signal)
  stop.abort()
  await assert.rejects(refused, SpoolError)
  assert.equal(spool.lastSeq, 7)
})

test('a spool locked by a live process is refused, one locked by a dead one taken over; a file at a new segment\'s path is refused', async (t) => {
  const dir = spoolDir(t)
  const first = await Spool.open({dir})
  await first.close()
  // the test runner's parent is alive
  writeFileSync(join(dir, 'lock'), `${process.ppid}\n`)
  await assert.rejects(Spool.open({dir}), new RegExp(`the spool \\S+ is in use by process ${process.ppid} \\(one receiver per spool directory`))
  writeFileSync(join(dir, 'lock'), '2147483646\n')
  const spool = await Spool.open({dir})
  t.after(() => spool.close())
  assert.equal(readFileSync(join(dir, 'lock'), 'utf8'), `${process.pid}\n`)
  writeFileSync(join(dir, 'segment-0000000000000007.spool'), 'planted')
  await assert.rejects(spool.append(7, payload(7)), /cannot create the spool segment \S+segment-0000000000000007\.spool: something \(a file or a symbolic link\) is already at that path/)
  assert.equal(readFileSync(join(dir, 'segment-0000000000000007.spool'), 'utf8'), 'planted')
})
