// Packed log rows: what goes in comes out, value for value, through a real structured clone with transfer.
import assert from 'node:assert/strict'
import {test} from 'node:test'

import {LOG_COLUMNS, type LogInsert, NULL_SPAN, type PackedLogs, PackedLogsBuilder, PackedLogsReader, transferList, unpackLogs} from '../../../src/db/bulk/packed-logs.js'

const row = (overrides: Partial<LogInsert> = {}): LogInsert => ({
  timestamp: '2026-11-26T13:32:51.000Z',
  decky: 'decky-01',
  service: 'ssh',
  event_type: 'command',
  attacker_ip: '203.0.113.7',
  raw_line: '<38>1 2026-11-26T13:32:51Z decky-01 ssh - command - uname -a',
  fields: '{"cmd":"uname -a"}',
  msg: 'uname -a',
  ...overrides,
})

/** Packs, moves through a MessageChannel the way the parse thread does, and unpacks. */
async function roundTrip(rows: readonly LogInsert[]): Promise<LogInsert[]> {
  const builder = new PackedLogsBuilder()
  for (const r of rows) builder.add(r)
  assert.equal(builder.count, rows.length)
  const packed = builder.take()
  assert.equal(builder.count, 0, 'take empties the builder')
  const {port1, port2} = new MessageChannel()
  const received = new Promise<PackedLogs>((resolve) => port2.once('message', resolve))
  port1.postMessage(packed, transferList(packed))
  const moved = await received
  port1.close()
  assert.equal(packed.ascii.byteLength, 0, 'the bytes moved, not copied')
  return unpackLogs(moved)
}

test('rows come back exactly: nulls, empty strings, a message that is not the end of its line', async () => {
  const rows = [
    row(),
    row({attacker_ip: null, msg: null}),
    row({msg: ''}),
    row({msg: 'not the tail', decky: '-', fields: '{}'}),
    row({raw_line: 'x', msg: 'x'}),
  ]
  assert.deepEqual(await roundTrip(rows), rows)
})

test('non-ASCII text keeps its characters: accents, a BOM, U+FFFD, astral characters, a two-byte msg span', async () => {
  const rows = [
    row({raw_line: '\uFEFF<38>1 - décky ssh - command - ls ∕tmp 😈', decky: 'décky', msg: 'ls ∕tmp 😈'}),
    row({raw_line: 'bad \uFFFD\uFFFD bytes', msg: '\uFFFD bytes', fields: '{"u":"ü😈"}'}),
    row(),
  ]
  assert.deepEqual(await roundTrip(rows), rows)
})

test('a message at the end of its raw line is a span of that line, not a second copy; non-ASCII rows stay out of the ASCII text', () => {
  const builder = new PackedLogsBuilder()
  const ascii = row()
  const wide = row({raw_line: `\uFEFF${ascii.raw_line}`})
  builder.add(ascii)
  builder.add(wide)
  const packed = builder.take()
  const width = LOG_COLUMNS.length
  const msg = LOG_COLUMNS.indexOf('msg')
  const ip = LOG_COLUMNS.indexOf('attacker_ip')
  const values = (['timestamp', 'decky', 'service', 'event_type', 'attacker_ip', 'fields'] as const).reduce((sum, column) => sum + (ascii[column] as string).length, 0)
  assert.equal(packed.ascii.byteLength, ascii.raw_line.length + 2 * values, 'the ASCII text: one raw line and the values of both rows, no message copies')
  assert.equal(Buffer.from(packed.utf8).toString('utf8'), wide.raw_line, 'the UTF-8 text holds only the line with the BOM')
  assert.ok(packed.spans[msg * 2] >= 0, 'row 1: msg is a span of the ASCII text')
  assert.ok(packed.spans[(width + msg) * 2] < 0 && packed.spans[(width + msg) * 2] !== NULL_SPAN, 'row 2: msg is a span of the UTF-8 text')
  assert.ok(packed.spans[ip * 2] >= 0)
  const read: Array<null | string> = []
  new PackedLogsReader(packed).row(1, read)
  assert.equal(read[msg], 'uname -a')
  assert.equal(read[LOG_COLUMNS.indexOf('raw_line')], wide.raw_line)
})

test('grows past its first buffers: many rows and long lines', async () => {
  const long = 'A'.repeat(300_000)
  const rows = Array.from({length: 3000}, (_, i) =>
    row({raw_line: i % 500 === 0 ? `${long}${i}` : `line ${i} ${'é'.repeat(i % 50)}`, msg: i % 3 ? `${i}` : null, fields: JSON.stringify({i})}),
  )
  const back = await roundTrip(rows)
  assert.equal(back.length, rows.length)
  assert.deepEqual(back, rows)
})

test('an empty take is a valid empty batch', () => {
  const packed = new PackedLogsBuilder().take()
  assert.equal(packed.count, 0)
  assert.deepEqual(unpackLogs(packed), [])
})
