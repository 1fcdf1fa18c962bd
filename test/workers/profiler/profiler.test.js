import assert from 'node:assert/strict'
import {describe, it} from 'node:test'

import {readCommands} from '../../../dist/attackers/read-commands.js'
import {openDatabase, parseDatabaseUrl} from '../../../dist/db/index.js'
import {PROFILER_CURSOR, PROFILER_MAX_CHARS, Profiler, profilerTick} from '../../../dist/workers/profiler/profiler.js'
import {DATABASE_KINDS, migratedDatabase, skipReason} from '../../helpers/databases.js'
import {expectedProfiles, insertLogs, makeLogs, readProfiles} from '../../helpers/profiler-logs.js'

async function setup(t, kind) {
  return migratedDatabase(kind, t)
}

async function drain(db, batchSize) {
  let ticks = 0
  for (;;) {
    const result = await profilerTick(db, {batchSize})
    ticks++
    if (result.lines < batchSize) return ticks
  }
}

async function cursorOf(db) {
  const row = await db.selectFrom('worker_state').select('cursor').where('worker', '=', PROFILER_CURSOR).executeTakeFirst()
  return row === undefined ? undefined : Number(row.cursor)
}

for (const kind of DATABASE_KINDS) {
  describe(`profiler tick (${kind})`, {skip: skipReason(kind)}, () => {
    it('does nothing on an empty log and records its cursor at 0', async (t) => {
      const {db} = await setup(t, kind)
      assert.deepEqual(await profilerTick(db), {attackers: 0, commands: 0, cursor: 0, lines: 0})
      assert.equal(await cursorOf(db), 0)
      assert.deepEqual(await readProfiles(db), {attackers: [], commands: []})
    })

    it('keeps a tick of 64 KiB attacker lines within its character budget, from the first statement on, and folds them all', async (t) => {
      const {db, url} = await setup(t, kind)
      const line = 64 * 1024 - 300
      const rows = makeLogs(700, {attackers: 7, seed: 12}).map((row, i) => ({
        ...row, attacker_ip: `198.51.100.${(i % 7) + 1}`, event_type: 'command', fields: JSON.stringify({command: `echo ${i} ${'x'.repeat(line)}`}), msg: null,
      }))
      await insertLogs(db, rows, 50)
      // as the worker runs it: on a SQLite file, with its reading thread
      const profiler = new Profiler(db, {database: parseDatabaseUrl(url)})
      const ticks = []
      const total = await profiler.drain(undefined, (tick) => {
        ticks.push(tick.lines)
      })
      assert.equal(total.lines, 700)
      assert.equal(total.commands, 700)
      // 64 KiB lines: at most what the budget holds, plus the one line that crosses it
      const most = Math.floor(PROFILER_MAX_CHARS / line) + 1
      assert.ok(ticks.length > 1 && ticks.every((lines) => lines <= most), `lines per tick: ${ticks.join(', ')} (at most ${most})`)
      const profiles = await readProfiles(db)
      assert.equal(profiles.commands.length, 700)
    })

    it('folds lines into attackers and moves the cursor past lines without an IP', async (t) => {
      const {db} = await setup(t, kind)
      await insertLogs(db, [
        ...makeLogs(3, {attackers: 1, seed: 3}).map((row) => ({...row, attacker_ip: '192.0.2.1'})),
        {...makeLogs(1)[0], attacker_ip: null},
      ])
      const result = await profilerTick(db)
      assert.equal(result.lines, 4)
      assert.equal(result.attackers, 1)
      assert.equal(result.cursor, 4)
      assert.equal(await cursorOf(db), 4)
      const {attackers} = await readProfiles(db)
      assert.equal(attackers.length, 1)
      assert.equal(attackers[0].ip, '192.0.2.1')
      assert.equal(attackers[0].event_count, 3)
      assert.equal(attackers[0].last_log_id, 3)
      assert.deepEqual(await profilerTick(db), {attackers: 0, commands: 0, cursor: 4, lines: 0})
    })

    it('builds the profiles a whole-history fold gives, whatever the batch size', async (t) => {
      const {db} = await setup(t, kind)
      await insertLogs(db, makeLogs(1500, {attackers: 40, seed: 7}))
      const ticks = await drain(db, 97)
      assert.equal(ticks, Math.ceil(1500 / 97) + (1500 % 97 === 0 ? 1 : 0))
      assert.equal(await cursorOf(db), 1500)
      const built = await readProfiles(db)
      assert.ok(built.commands.length > 100, 'the sample has commands')
      assert.ok(built.attackers.some((a) => a.is_traversal === 1), 'the sample has traversals')
      assert.deepEqual(built, await expectedProfiles(db))
    })

    it('builds the same profiles when ticks read first contacts along with the rows', async (t) => {
      // many attackers with a few lines each: most ticks need most first contacts, so the next
      // ones read them with the rows (one statement); later ticks go back to two
      const {db} = await setup(t, kind)
      await insertLogs(db, makeLogs(2000, {attackers: 300, seed: 9}))
      await drain(db, 150)
      assert.deepEqual(await readProfiles(db), await expectedProfiles(db))
    })

    it('builds the same profiles with one profiler across ticks, reading its own writes from memory', async (t) => {
      const {db} = await setup(t, kind)
      await insertLogs(db, makeLogs(1500, {attackers: 40, seed: 7}))
      // a cache of 3 attackers: most ticks find some rows in memory and read the others
      for (const cachedAttackers of [undefined, 3]) {
        await db.deleteFrom('attacker_command_batches').execute()
        await db.deleteFrom('attackers').execute()
        await db.updateTable('worker_state').set({cursor: 0}).where('worker', '=', PROFILER_CURSOR).execute()
        const total = await new Profiler(db, {batchSize: 97, cachedAttackers}).drain()
        assert.equal(total.lines, 1500)
        assert.deepEqual(await readProfiles(db), await expectedProfiles(db), `cachedAttackers ${cachedAttackers}`)
      }
    })

    it('forgets the rows it keeps in memory when another profiler ticked in between', async (t) => {
      const {db} = await setup(t, kind)
      const rows = makeLogs(1200, {attackers: 15, seed: 17})
      const profilers = [new Profiler(db, {batchSize: 70}), new Profiler(db, {batchSize: 110})]
      // new lines arrive between ticks, and the two profilers take turns: each sees the other's writes
      for (let i = 0; i < 12; i++) {
        await insertLogs(db, rows.slice(i * 100, (i + 1) * 100))
        await profilers[i % 2].tick()
        await profilers[(i + 1) % 2].tick()
      }

      await profilers[0].drain()
      assert.equal(await cursorOf(db), 1200)
      assert.deepEqual(await readProfiles(db), await expectedProfiles(db))
    })

    it('forgets the rows it keeps in memory when the profile is reset under it', async (t) => {
      const {db} = await setup(t, kind)
      await insertLogs(db, makeLogs(900, {attackers: 12, seed: 19}))
      const profiler = new Profiler(db, {batchSize: 200})
      await profiler.drain()
      const first = await readProfiles(db)
      await db.deleteFrom('attacker_command_batches').execute()
      await db.deleteFrom('attackers').execute()
      await db.updateTable('worker_state').set({cursor: 0}).where('worker', '=', PROFILER_CURSOR).execute()
      await profiler.drain()
      assert.deepEqual(await readProfiles(db), first)
    })

    it('drains past ticks cut short by the character budget into the profiles a whole-history fold gives', async (t) => {
      const {db} = await setup(t, kind)
      const rows = makeLogs(3000, {attackers: 40, seed: 21}).map((row, i) => (i % 3 ? row : {...row, msg: `${row.msg ?? ''} ${'y'.repeat(2000)}`}))
      await insertLogs(db, rows)
      const ticks = []
      const profiler = new Profiler(db, {batchSize: 5000, maxChars: 100_000})
      const total = await profiler.drain(undefined, (tick) => ticks.push(tick))
      assert.equal(total.lines, 3000)
      assert.equal(await cursorOf(db), 3000)
      assert.ok(ticks.filter((tick) => tick.cut).length >= 2, `ticks: ${JSON.stringify(ticks)}`)
      assert.ok(ticks.every((tick) => tick.lines < 3000), 'the budget cut every tick short of the whole backlog')
      assert.deepEqual(await readProfiles(db), await expectedProfiles(db))
    })

    it('reads after the cursor it claims, not the lines it read ahead, when another profiler moved the cursor in between', async (t) => {
      // on PostgreSQL a full tick of a drain reads the next tick's lines ahead (after the cursor it leaves)
      const {db} = await setup(t, kind)
      await insertLogs(db, makeLogs(600, {attackers: 15, seed: 27}))
      const [profiler, other] = [new Profiler(db, {batchSize: 100}), new Profiler(db, {batchSize: 30})]
      const ticks = []
      const total = await profiler.drain(undefined, async (tick) => {
        ticks.push(tick)
        if (ticks.length === 1) await other.tick() // moves the cursor from 100 to 130
      })
      assert.deepEqual(
        ticks.map((tick) => tick.cursor),
        [100, 230, 330, 430, 530, 600],
      )
      assert.equal(total.lines, 570)
      assert.deepEqual(await readProfiles(db), await expectedProfiles(db))
    })

    it('updates only the attackers new lines touch', async (t) => {
      const {db} = await setup(t, kind)
      await insertLogs(db, makeLogs(800, {attackers: 30, seed: 11}))
      await drain(db, 5000)
      const before = await readProfiles(db)
      const touched = ['198.51.100.3', '203.0.113.250']
      const fresh = makeLogs(20, {attackers: 1, seed: 12, startMinute: 200}).map((row, i) => ({...row, attacker_ip: touched[i % 2]}))
      await insertLogs(db, fresh)
      const result = await profilerTick(db)
      assert.equal(result.lines, 20)
      assert.equal(result.attackers, 2)
      assert.equal(result.cursor, 820)
      const after = await readProfiles(db)
      const changed = after.attackers.filter((row) => !before.attackers.some((old) => JSON.stringify(old) === JSON.stringify(row)))
      assert.deepEqual(changed.map((row) => row.ip).sort(), touched.sort())
      assert.equal(after.attackers.length, before.attackers.length + 1)
      const old = before.attackers.find((row) => row.ip === touched[0])
      const now = after.attackers.find((row) => row.ip === touched[0])
      assert.equal(now.event_count, old.event_count + 10)
      assert.deepEqual(after, await expectedProfiles(db))
    })

    it('replays from the start into identical profiles', async (t) => {
      const {db} = await setup(t, kind)
      await insertLogs(db, makeLogs(1200, {attackers: 25, seed: 5}))
      await drain(db, 250)
      const first = await readProfiles(db)
      await db.deleteFrom('attacker_command_batches').execute()
      await db.deleteFrom('attackers').execute()
      await db.updateTable('worker_state').set({cursor: 0}).where('worker', '=', PROFILER_CURSOR).execute()
      await drain(db, 333)
      assert.deepEqual(await readProfiles(db), first)
    })

    it('loses no command and shows none twice when only the attackers were cleared before a replay over other batch bounds', async (t) => {
      const {db} = await setup(t, kind)
      await insertLogs(db, makeLogs(1200, {attackers: 25, seed: 5}))
      await drain(db, 250)
      await db.deleteFrom('attackers').execute()
      await db.updateTable('worker_state').set({cursor: 0}).where('worker', '=', PROFILER_CURSOR).execute()
      await insertLogs(db, makeLogs(300, {attackers: 25, seed: 6, startMinute: 500}))
      await drain(db, 333)

      const expected = await expectedProfiles(db)
      assert.deepEqual((await readProfiles(db)).attackers, expected.attackers)
      const lines = new Map((await db.selectFrom('logs').selectAll().execute()).map((line) => [Number(line.id), line]))
      const shown = await readCommands(db, expected.attackers.map((attacker) => attacker.ip))
      for (const {ip} of expected.attackers) {
        const want = expected.commands
          .filter((command) => command.ip === ip)
          .map(({command, log_id: id}) => ({timestamp: lines.get(id).timestamp, decky: lines.get(id).decky, service: lines.get(id).service, command}))
          .sort((a, b) => (a.timestamp < b.timestamp ? -1 : a.timestamp > b.timestamp ? 1 : 0))
        assert.deepEqual(shown.get(ip) ?? [], want, `commands of ${ip}`)
      }
    })

    it('never counts a line twice when the cursor moves back without a reset', async (t) => {
      const {db} = await setup(t, kind)
      await insertLogs(db, makeLogs(600, {attackers: 10, seed: 9}))
      await drain(db, 1000)
      const first = await readProfiles(db)
      await db.updateTable('worker_state').set({cursor: 100}).where('worker', '=', PROFILER_CURSOR).execute()
      const result = await profilerTick(db)
      assert.equal(result.lines, 500)
      assert.equal(result.commands, 0)
      assert.deepEqual(await readProfiles(db), first)
    })

    it('lets two running profilers (each keeping its rows in memory) drain concurrently without folding a line twice', {skip: kind === 'sqlite' && 'better-sqlite3 is synchronous: SQLite concurrency is tested across processes'}, async (t) => {
      const {db, url} = await setup(t, kind)
      const other = await openDatabase(url)
      t.after(() => other.destroy())
      await insertLogs(db, makeLogs(3000, {attackers: 20, seed: 23}))
      const [first, second] = [new Profiler(db, {batchSize: 100}), new Profiler(other, {batchSize: 170})]
      // a first pass each, so both hold rows; then both drain at once, waiting on each other's cursor lock
      await first.tick()
      await second.tick()
      await Promise.all([first.drain(), second.drain()])
      assert.equal(await cursorOf(db), 3000)
      assert.deepEqual(await readProfiles(db), await expectedProfiles(db))
    })

    it('lets concurrent ticks share the work without folding a line twice', {skip: kind === 'sqlite' && 'better-sqlite3 is synchronous: SQLite concurrency is tested across processes'}, async (t) => {
      const {db, url} = await setup(t, kind)
      const other = await openDatabase(url)
      t.after(() => other.destroy())
      await insertLogs(db, makeLogs(3000, {attackers: 20, seed: 13}))
      await Promise.all([drain(db, 100), drain(other, 170)])
      assert.equal(await cursorOf(db), 3000)
      assert.deepEqual(await readProfiles(db), await expectedProfiles(db))
    })
  })
}
