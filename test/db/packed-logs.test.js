// Packed log rows: what goes in comes out, value for value, through a real structured clone with transfer.
import assert from 'node:assert/strict'
import {test} from 'node:test'

import {LOG_COLUMNS, NULL_SPAN, PackedLogsBuilder, PackedLogsReader, transferList, unpackLogs} from '../../dist/db/packed-logs.js'

const row = (overrides = {}) => ({
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
async function roundTrip(rows) {
  const builder = new PackedLogsBuilder()
  for (const r of rows) builder.add(r)
  assert.equal(builder.count, rows.length)
  const packed = builder.take()
  assert.equal(builder.count, 0, 'take empties the builder')
  const {port1, port2} = new MessageChannel()
  const received = new Promise((resolve) => port2.once('message', resolve))
  port1.postMessage(packed, transferList(packed))
  const moved = await received
  port1.close()
  assert.equal(packed.text.byteLength, 0, 'the text bytes moved, not copied')
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

test('a message at the end of its raw line is a span of the text, not a second copy', () => {
  const builder = new PackedLogsBuilder()
  builder.add(row())
  const packed = builder.take()
  const msg = LOG_COLUMNS.indexOf('msg')
  assert.ok(packed.spans[msg * 2] >= 0, 'msg points into the text')
  assert.ok(packed.spans[LOG_COLUMNS.indexOf('attacker_ip') * 2] < 0 && packed.spans[LOG_COLUMNS.indexOf('attacker_ip') * 2] !== NULL_SPAN)
  const values = []
  new PackedLogsReader(packed).row(0, values)
  assert.equal(values[msg], 'uname -a')
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
