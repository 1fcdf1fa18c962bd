// `decnet fleet unit --db sqlite:PATH --user U` makes PATH's directory writable by the service (ReadWritePaths=):
// never a directory holding anything but the database, such as decnet's data directory with root's plugin list.
import assert from 'node:assert/strict'
import {mkdirSync, mkdtempSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {test, type TestContext} from 'node:test'

import {FleetUnitError} from '../../src/systemd/fleet-unit-error.js'
import {databaseSetting} from '../../src/systemd/database-setting.js'

const context = {dynamicUser: false, fleet: 'heavy', root: false, stateDir: '/var/lib/decnet-heavy'}

function scratch(t: TestContext): string {
  const dir = mkdtempSync(join(tmpdir(), 'decnet-unit-db-'))
  t.after(() => rmSync(dir, {force: true, recursive: true}))
  return dir
}

test('a SQLite file in the data directory (beside package.json) is refused: the unit would hand over the plugin list', (t) => {
  const data = scratch(t)
  writeFileSync(join(data, 'package.json'), '{}')
  writeFileSync(join(data, 'decnet.sqlite'), '')
  assert.throws(
    () => databaseSetting({kind: 'sqlite', path: join(data, 'decnet.sqlite')}, context),
    (error) => error instanceof FleetUnitError && /its directory .* holds other files \(package\.json\), and the unit would make all of it writable by the service; move the database into a directory of its own \(e\.g\. .*\/db\)/.test(error.message),
  )
})

test('a directory holding only the database (and its -wal, -shm), or not there yet, is the one made writable', (t) => {
  const db = join(scratch(t), 'db')
  mkdirSync(db)
  for (const f of ['decnet.sqlite', 'decnet.sqlite-wal', 'decnet.sqlite-shm']) writeFileSync(join(db, f), '')
  assert.deepEqual(databaseSetting({kind: 'sqlite', path: join(db, 'decnet.sqlite')}, context).write, [db])
  assert.deepEqual(databaseSetting({kind: 'sqlite', path: '/srv/decnet-not-there/db/x.sqlite'}, context).write, ['/srv/decnet-not-there/db'])
})
