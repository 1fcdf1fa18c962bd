// Fuzz: a log file of random and hostile lines (huge lines over 1 MB, NUL bytes, invalid UTF-8,
// CESU-encoded lone surrogates, deeply escaped and unterminated structured data, thousands of SD
// elements, CR without LF, long PRI/timestamps/headers, regex-hostile commands) mixed with valid
// ones (some with CRLF endings, some carrying hostile commands), through the real `decnet ingest`
// into a real database, then the real `heavy` fleet (--once) over what landed. Ingest exits
// normally, accepted + rejected + blank == lines read, every rejected line is stored with its line
// number and a reason, every valid neighbour lands; the workers finish their pass.
// The seed is printed; DECNET_FUZZ_SEED=N replays a run.
import assert from 'node:assert/strict'
import {mkdtempSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {describe, test} from 'node:test'

import {withDatabase} from '../../src/db/open.js'
import type {IngestSummary} from '../../src/ingest/ingest.js'
import {DATABASE_KINDS, freshDatabase, skipReason} from '../helpers/databases.js'
import {runDecnet} from '../helpers/decnet-cli.js'
import {defined} from '../helpers/defined.js'
import {createRandom, type FuzzLine, fuzzLines, fuzzSeed, hostileCommands, validLine} from '../helpers/fuzz.js'
import {shippedRules} from '../helpers/fuzz-checks.js'

const seed = fuzzSeed()
const {rules} = await shippedRules()
/** The first 8 KiB decide whether a file is text at all (binary junk is refused whole): keep them clean. */
const CLEAN_HEAD_BYTES = 8192
const MAX_LINE_BYTES = 64 * 1024

/** A line of the file, with what the line splitter hands on (undefined: over-long) and whether that is blank. */
interface FileLine extends FuzzLine {
  text?: string
  blank?: boolean
}

/** The input file and what ingest must make of it. */
function fuzzFile(dir: string): {lines: FileLine[]; path: string} {
  const rng = createRandom(seed)
  const commands = hostileCommands(rng, rules)
  const lines: FileLine[] = []
  for (let bytes = 0; bytes <= CLEAN_HEAD_BYTES; ) {
    const line: FileLine = {bytes: Buffer.from(validLine(rng), 'utf8'), kind: 'valid', valid: true}
    lines.push(line)
    bytes += line.bytes.length + 1
  }

  lines.push(...fuzzLines(rng, 700, commands))
  const chunks: Buffer[] = []
  for (const line of lines) {
    const crlf = line.valid && rng.chance(0.2)
    chunks.push(line.bytes, Buffer.from(crlf ? '\r\n' : '\n'))
    // what the line splitter hands on: the line without its ending, decoded (invalid bytes as U+FFFD)
    let text = line.bytes.length > MAX_LINE_BYTES ? undefined : line.bytes.toString('utf8')
    if (text?.endsWith('\r') && !crlf) text = text.slice(0, -1)
    line.text = text
    line.blank = text !== undefined && /^[ \t]*$/.test(text) // spaces and tabs only: a form feed is a control byte, rejected
  }

  const path = join(dir, 'fuzz.log')
  writeFileSync(path, Buffer.concat(chunks))
  return {lines, path}
}

for (const kind of DATABASE_KINDS) {
  describe(`decnet ingest and the heavy fleet over random and hostile lines (${kind})`, {skip: skipReason(kind)}, () => {
    test(`every line is stored or rejected with its line number and a reason; valid neighbours land; the workers finish (seed ${seed}; replay with DECNET_FUZZ_SEED=${seed})`, async (t) => {
      t.diagnostic(`fuzz seed ${seed} (replay: DECNET_FUZZ_SEED=${seed})`)
      const dir = mkdtempSync(join(tmpdir(), 'decnet-fuzz-'))
      t.after(() => rmSync(dir, {force: true, recursive: true}))
      const database = await freshDatabase(kind)
      t.after(() => database.cleanup())
      const {lines, path} = fuzzFile(dir)
      const env = {DECNET_DATA_DIR: dir, DECNET_RUNTIME_DIR: join(dir, 'run')}
      const why = `seed ${seed}`

      const run = await runDecnet(t, ['ingest', path, '--db', database.url, '--json'], {env, timeoutMs: 120_000})
      assert.equal(run.code, 0, `${why}: ${run.stderr}`)
      const summary = JSON.parse(run.stdout) as IngestSummary
      const source = defined(summary.sources[0], 'the file in the summary')
      const blank = lines.filter((line) => line.blank).length
      assert.equal(source.blank, blank, why)
      assert.equal(summary.accepted + summary.rejected + source.blank, lines.length, `${why}: accepted + rejected + blank == lines read`)
      assert.equal(source.error, undefined, why)

      const stored = await withDatabase(database.url, async (db) => ({
        logs: await db.selectFrom('logs').select(['id', 'raw_line']).orderBy('id').execute(),
        rejected: await db.selectFrom('rejected_lines').selectAll().orderBy('id').execute(),
      }))
      assert.equal(stored.logs.length, summary.accepted, why)
      assert.equal(stored.rejected.length, summary.rejected, why)

      // every rejected line: its source, a line number that exists (once), a reason
      const rejectedAt = new Map(stored.rejected.map((row) => [row.line_no, row]))
      assert.equal(rejectedAt.size, stored.rejected.length, `${why}: one row per rejected line`)
      for (const row of stored.rejected) {
        assert.equal(row.source, path)
        assert.ok(Number.isInteger(row.line_no) && row.line_no >= 1 && row.line_no <= lines.length, `${why}: line ${row.line_no}`)
        assert.ok(!lines[row.line_no - 1].blank, `${why}: a blank line (${row.line_no}) is skipped, not rejected`)
        assert.match(row.reason, /\S/, `${why}: line ${row.line_no} has a reason`)
        assert.ok(!row.raw_line.includes('\0'), `${why}: NUL is not stored (PostgreSQL text cannot hold it)`)
      }

      // lines whose fate is known: valid ones land, over-long and NUL ones are rejected for that
      const landed = new Map<string | undefined, number>()
      for (const {raw_line: raw} of stored.logs) landed.set(raw, (landed.get(raw) ?? 0) + 1)
      let valid = 0
      for (const [index, line] of lines.entries()) {
        const lineNo = index + 1
        if (line.valid) {
          valid++
          assert.equal(rejectedAt.get(lineNo), undefined, `${why}: valid line ${lineNo} (${line.kind}) was rejected: ${rejectedAt.get(lineNo)?.reason}`)
          const copies = landed.get(line.text) ?? 0
          assert.ok(copies > 0, `${why}: valid line ${lineNo} landed as is`)
          landed.set(line.text, copies - 1)
        } else if (line.bytes.length > MAX_LINE_BYTES) {
          assert.match(rejectedAt.get(lineNo)?.reason ?? '', new RegExp(`^line too long \\(${line.bytes.length} bytes, max ${MAX_LINE_BYTES}\\)$`), `${why}: line ${lineNo}`)
          assert.ok(defined(rejectedAt.get(lineNo), `line ${lineNo} rejected`).raw_line.length <= 1024, `${why}: only the start of an over-long line is kept`)
        } else if (line.kind === 'nul' || /[\u0000-\u0008\u000A-\u001F\u007F]/.test(line.text ?? '')) {
          // a NUL or another control byte: rejected for it, stored escaped, the exact bytes recoverable
          const row = rejectedAt.get(lineNo)
          assert.match(row?.reason ?? '', /^control byte \\x[0-9a-f]{2} in line \(at character \d+, \d+ in all\); stored escaped/, `${why}: line ${lineNo}`)
          assert.equal(defined(row, `line ${lineNo} rejected`).raw_line.replaceAll(/\\(\\|x([0-9a-f]{2}))/g, (_: string, _what: string, hex: string | undefined) => (hex ? String.fromCharCode(Number.parseInt(hex, 16)) : '\\')), line.text, `${why}: line ${lineNo}`)
        }
      }

      assert.ok(valid > 100 && summary.rejected > 100, `${why}: ${valid} valid lines, ${summary.rejected} rejected`)
      t.diagnostic(`${lines.length} lines: ${summary.accepted} accepted (${valid} valid ones among them), ${summary.rejected} rejected, ${blank} blank`)

      // the workers over what landed: one pass each, cursors at the end
      const fleet = await runDecnet(t, ['fleet', 'heavy', '--once', '--allow-root', '--db', database.url], {env, timeoutMs: 180_000})
      const output = fleet.stdout + fleet.stderr
      assert.equal(fleet.code, 0, `${why}: ${output}`)
      const last = defined(stored.logs.at(-1), 'a stored line').id
      assert.match(output, new RegExp(`profiler \\| profiled ${summary.accepted} lines: .*\\(cursor ${last}\\)`), why)
      assert.match(output, new RegExp(`ttp \\| tagged ${summary.accepted} lines: \\d+ ATT&CK tags \\(cursor ${last}\\)`), why)
      const results = await withDatabase(database.url, async (db) => ({
        attackers: await db.selectFrom('attackers').select('ip').execute(),
        cursors: await db.selectFrom('worker_state').select(['worker', 'cursor']).orderBy('worker').execute(),
        tags: await db.selectFrom('ttp_tags').select('id').execute(),
      }))
      assert.ok(results.attackers.length > 0 && results.tags.length > 0, `${why}: ${results.attackers.length} attackers, ${results.tags.length} tags`)
      for (const {worker, cursor} of results.cursors.filter((row) => ['profiler', 'ttp'].includes(row.worker))) assert.equal(cursor, last, `${why}: ${worker}`)
    })
  })
}
