// A profiler SIGKILLed mid-run with alerts on (as `--webhook` runs it): every attacker gets
// its first-sighting alert exactly once, at its first line, whatever tick the kill cut.
import assert from 'node:assert/strict'
import {describe, it} from 'node:test'

import {DATABASE_KINDS, migratedDatabase, skipReason} from '../../helpers/databases.js'
import {killProfilerMidRunAndFinish} from '../../helpers/profiler-kill.js'
import {commandLog, insertLogs} from '../../helpers/ttp-logs.js'

const LINES = 12_000 // 80 ticks of 150 lines; a new attacker every 20 lines, so every tick makes some
const PER_ATTACKER = 20

for (const kind of DATABASE_KINDS) {
  describe(`alerts across a SIGKILL (${kind})`, {skip: skipReason(kind)}, () => {
    it('queues each new attacker once, none lost and none doubled', async (t) => {
      const {db, url} = await migratedDatabase(kind, t)
      const rows = Array.from({length: LINES}, (_, i) => {
        const attacker = Math.floor(i / PER_ATTACKER)
        return commandLog(`10.0.${attacker >> 8}.${attacker & 255}`, i / 10, 'id')
      })
      await insertLogs(db, rows)
      await killProfilerMidRunAndFinish(t, db, url, LINES, {}, 5000, ['--alerts'])
      const attackers = await db.selectFrom('attackers').select(['ip', 'first_seen']).orderBy('ip').execute()
      const alerts = await db.selectFrom('alert_outbox').select(['attacker_ip', 'kind', 'seen_at']).orderBy('attacker_ip').execute()
      assert.equal(attackers.length, LINES / PER_ATTACKER)
      assert.deepEqual(
        alerts.map((alert) => [alert.kind, alert.attacker_ip, alert.seen_at]),
        attackers.map((attacker) => ['attacker.first_seen', attacker.ip, attacker.first_seen]),
      )
    })
  })
}
