/**
 * Item 4 of "Trust": an attacker's bytes hide nothing. A line holding NUL or
 * other control bytes is one rejected line (its reason, its bytes escaped);
 * the lines around it land; only an overwhelmingly binary input is refused
 * whole, and that refusal is in `rejected_lines` too. Real CLI processes,
 * real SQLite files and a real PostgreSQL server.
 */
import assert from 'node:assert/strict'
import {mkdtempSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {Readable} from 'node:stream'
import {describe, test, type TestContext} from 'node:test'

import {migrateToLatest} from '../../src/db/migrate.js'
import {withDatabase} from '../../src/db/open.js'
import {ExitCode} from '../../src/exit-codes.js'
import {ingest} from '../../src/ingest/ingest.js'
import {DATABASE_KINDS, freshDatabase, skipReason} from '../helpers/databases.js'
import {countStored} from '../helpers/ingest-run.js'
import {runCli} from '../helpers/run-cli.js'

const GOOD = (n: number): string => `<38>1 2026-11-26T13:32:${String(n % 60).padStart(2, '0')}.000Z decky-01 ssh 1 login_failed [relay@55555 src_ip="203.0.113.7"] attempt ${n}`
const COMMAND = (payload: string): string => `<38>1 2026-11-26T13:32:51.000Z decky-01 ssh 1 command [relay@55555 src_ip="203.0.113.7" command="${payload}"] CMD uid=0 cmd=${payload}`

/** Every byte a line may not hold: C0 controls but tab (newline ends a line), and DEL. */
const CONTROL = [...Array.from({length: 32}, (_, b) => b).filter((b) => b !== 9 && b !== 10), 0x7f]

/** The inverse of the stored escaping (`\xNN`, `\\`): gives back the attacker's exact bytes. */
const unescape = (text: string): string => text.replaceAll(/\\(\\|x([0-9a-f]{2}))/g, (_: string, what: string, hex: string | undefined) => (hex ? String.fromCharCode(Number.parseInt(hex, 16)) : '\\'))

const workDir = (t: TestContext): string => {
  const dir = mkdtempSync(join(tmpdir(), 'decnet-hostile-'))
  t.after(() => rmSync(dir, {recursive: true, force: true}))
  return dir
}

const rejectedRows = (url: string) => withDatabase(url, (db) => db.selectFrom('rejected_lines').select(['source', 'line_no', 'reason', 'raw_line']).orderBy('id').execute())
const logMessages = (url: string) => withDatabase(url, async (db) => (await db.selectFrom('logs').select('msg').orderBy('id').execute()).map((row) => row.msg))

for (const kind of DATABASE_KINDS) {
  describe(`decnet ingest: hostile bytes (${kind})`, {skip: skipReason(kind)}, () => {
    test('one line with a NUL in the first 8 KiB of a file is one rejected line, stored escaped; its neighbours land; exit 0', async (t) => {
      const file = join(workDir(t), 'decnet.log')
      const hostile = COMMAND('echo \x00')
      writeFileSync(file, [GOOD(1), hostile, GOOD(3), GOOD(4)].join('\n') + '\n')
      const {url, cleanup} = (await freshDatabase(kind))
      t.after(cleanup)
      const run = await runCli(['ingest', file, '--db', url])
      assert.equal(run.code, 0, run.stderr)
      assert.equal(run.stdout.trim(), 'accepted 3, rejected 1')
      assert.deepEqual(await logMessages(url), ['attempt 1', 'attempt 3', 'attempt 4'])
      const [row] = await rejectedRows(url)
      assert.deepEqual([row.source, row.line_no], [file, 2])
      assert.equal(row.reason, `control byte \\x00 in line (at character ${hostile.indexOf('\0') + 1}, 2 in all); stored escaped (\\xNN; a backslash as \\\\)`)
      assert.equal(row.raw_line, hostile.replaceAll('\0', '\\x00'))
      assert.equal(unescape(row.raw_line), hostile)
    })

    test('a line of 900 control characters at the start of a file is one rejected line; the rest land', async (t) => {
      const file = join(workDir(t), 'decnet.log')
      const payload = Array.from({length: 900}, (_, i) => String.fromCharCode(CONTROL[i % CONTROL.length])).join('')
      const hostile = COMMAND(payload)
      writeFileSync(file, [hostile, ...Array.from({length: 50}, (_, i) => GOOD(i + 2))].join('\n') + '\n')
      const {url, cleanup} = (await freshDatabase(kind))
      t.after(cleanup)
      const run = await runCli(['ingest', file, '--db', url, '--json'])
      assert.equal(run.code, 0, run.stderr)
      assert.deepEqual([JSON.parse(run.stdout).accepted, JSON.parse(run.stdout).rejected], [50, 1])
      const [row] = await rejectedRows(url)
      assert.equal(row.line_no, 1)
      assert.match(row.reason, /^control byte \\x00 in line \(at character \d+, 1800 in all\)/)
      assert.equal(unescape(row.raw_line), hostile)
      assert.doesNotMatch(row.raw_line, /[\u0000-\u0008\u000A-\u001F\u007F]/)
    })

    test('200,000 lines on standard input, the first holding a NUL: 199,999 land, 1 rejected', async (t) => {
      const lines = Array.from({length: 200_000}, (_, i) => (i === 0 ? COMMAND('\x00') : GOOD(i)))
      const {url, cleanup} = (await freshDatabase(kind))
      t.after(cleanup)
      const run = await runCli(['ingest', '--db', url], {input: lines.join('\n') + '\n', timeoutMs: 120_000})
      assert.equal(run.code, 0, run.stderr)
      assert.equal(run.stdout.trim(), 'accepted 199999, rejected 1')
      assert.deepEqual(await countStored(url), {logs: 199_999, distinctLogs: 199_999, rejected: 1, distinctRejected: 1})
    })

    test('an overwhelmingly binary input is refused whole (exit INPUT_BINARY), and the refusal is in rejected_lines', async (t) => {
      const {url, cleanup} = (await freshDatabase(kind))
      t.after(cleanup)
      const junk = Buffer.concat([Buffer.from([0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 3]), Buffer.alloc(10_000, 0), Buffer.from(`\n${GOOD(1)}\n`)])
      const run = await runCli(['ingest', '--db', url], {input: junk})
      assert.equal(run.code, ExitCode.INPUT_BINARY, run.stderr)
      assert.match(run.stderr, /standard input is not text \(binary data\); the refusal is in rejected_lines/)
      assert.equal(run.stdout.trim(), 'accepted 0, rejected 1')
      const [row] = await rejectedRows(url)
      assert.deepEqual([row.source, row.line_no], ['-', 0])
      assert.match(row.reason, /^input refused as binary: 8192 of its first 8192 bytes are not text/)
      assert.equal(row.raw_line, `\\x1f\\x8b\\x08${'\\x00'.repeat(6)}\\x03${'\\x00'.repeat(246)}`)
    })
  })

  describe(`ingest(): a control byte in any field of a line (${kind})`, {skip: skipReason(kind)}, () => {
    test('every control byte in every field: that line alone rejected, escaped exactly; every neighbour lands', async (t) => {
      const fields = [
        (c: string) => `<3${c}8>1 2026-11-26T13:32:51Z decky-01 ssh 1 login [relay@55555 src_ip="203.0.113.7"] m`,
        (c: string) => `<38>1${c} 2026-11-26T13:32:51Z decky-01 ssh 1 login [relay@55555 src_ip="203.0.113.7"] m`,
        (c: string) => `<38>1 2026-11-26T13:32:51${c}Z decky-01 ssh 1 login [relay@55555 src_ip="203.0.113.7"] m`,
        (c: string) => `<38>1 2026-11-26T13:32:51Z deck${c}y-01 ssh 1 login [relay@55555 src_ip="203.0.113.7"] m`,
        (c: string) => `<38>1 2026-11-26T13:32:51Z decky-01 s${c}sh 1 login [relay@55555 src_ip="203.0.113.7"] m`,
        (c: string) => `<38>1 2026-11-26T13:32:51Z decky-01 ssh 1${c}2 login [relay@55555 src_ip="203.0.113.7"] m`,
        (c: string) => `<38>1 2026-11-26T13:32:51Z decky-01 ssh 1 log${c}in [relay@55555 src_ip="203.0.113.7"] m`,
        (c: string) => `<38>1 2026-11-26T13:32:51Z decky-01 ssh 1 login [relay${c}@55555 src_ip="203.0.113.7"] m`,
        (c: string) => `<38>1 2026-11-26T13:32:51Z decky-01 ssh 1 login [relay@55555 src${c}_ip="203.0.113.7"] m`,
        (c: string) => `<38>1 2026-11-26T13:32:51Z decky-01 ssh 1 login [relay@55555 src_ip="203.0.113.7" user="r\\"o${c}o\\\\t"] m`,
        (c: string) => `<38>1 2026-11-26T13:32:51Z decky-01 ssh 1 login [relay@55555 src_ip="203.0.113.7"] m${c}sg`,
        (c: string) => `<38>1 2026-11-26T13:32:51Z decky-01 ssh 1 command - CMD uid=0 user=root src=203.0.113.7 pwd=/root cmd=echo ${c}\\x41`,
        (c: string) => `<38>1 2026-11-26T13:32:51Z decky-01 ssh 1 login [relay@55555 src_ip="203.0.113.7"] \uFEFFm${c}.`, // (a CR right before the newline is the line ending, not a byte of the line)
      ]
      const hostile: string[] = []
      const lines: string[] = []
      for (const field of fields) {
        for (const byte of CONTROL) {
          hostile.push(field(String.fromCharCode(byte)))
          lines.push(hostile.at(-1)!, GOOD(lines.length))
        }
      }

      const {url, cleanup} = (await freshDatabase(kind))
      t.after(cleanup)
      await withDatabase(url, async (db) => {
        await migrateToLatest(db)
        const summary = await ingest(db, ['-'], {batchSize: 97, stdin: Readable.from([Buffer.from(lines.join('\n'))])})
        assert.deepEqual([summary.accepted, summary.rejected], [hostile.length, hostile.length])
      })
      const rejected = await rejectedRows(url)
      assert.deepEqual(rejected.map((row) => row.line_no), hostile.map((_, i) => 2 * i + 1))
      assert.deepEqual(rejected.map((row) => unescape(row.raw_line)), hostile)
      for (const row of rejected) assert.match(row.reason, /^control byte \\x[01][0-9a-f] in line|^control byte \\x7f in line/)
      assert.deepEqual(await logMessages(url), hostile.map((_, i) => `attempt ${2 * i}`))
    })
  })
}
