// Where root's `decnet fleet status/stop` look for a fleet: its own runtime directory, then the
// directory a fleet's systemd unit gets (RuntimeDirectory=decnet-NAME, i.e. /run/decnet-NAME).
import assert from 'node:assert/strict'
import {mkdirSync, rmSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'
import {test} from 'node:test'

import {clientRuntimeDirectories, locateFleet, unitRuntimeDirectory} from '../../src/control/fleet-paths.js'

const dataDir = '/var/lib/decnet-data'

test('with DECNET_RUNTIME_DIR, or as an ordinary user, only the own runtime directory counts', () => {
  const env = {DECNET_RUNTIME_DIR: '/srv/run'}
  assert.equal(locateFleet('heavy', {dataDir, env, uid: 0}).socket, '/srv/run/heavy.sock')
  assert.deepEqual(clientRuntimeDirectories({dataDir, env, uid: 0}), ['/srv/run'])
  assert.deepEqual(clientRuntimeDirectories({dataDir, env: {XDG_RUNTIME_DIR: '/run/user/1000'}, uid: 1000}), ['/run/user/1000/decnet'])
  assert.equal(locateFleet('heavy', {dataDir, env: {XDG_RUNTIME_DIR: '/run/user/1000'}, uid: 1000}).socket, '/run/user/1000/decnet/heavy.sock')
  assert.equal(unitRuntimeDirectory('heavy'), '/run/decnet-heavy')
})

test("root finds a fleet whose socket is only in its unit's directory, and lists that directory", {skip: process.getuid?.() !== 0 && 'needs root (writes under /run)'}, (t) => {
  const fleet = `zz-paths-${process.pid}`
  const dir = unitRuntimeDirectory(fleet)
  mkdirSync(dir, {mode: 0o700})
  t.after(() => rmSync(dir, {force: true, recursive: true}))
  const context = {dataDir, env: {}, uid: 0}
  assert.equal(locateFleet(fleet, context).socket, `/run/decnet/${fleet}.sock`, 'nothing there yet: the default place')
  writeFileSync(join(dir, `${fleet}.sock`), '')
  const found = locateFleet(fleet, context)
  assert.deepEqual(found, {fleet, logFile: join(dataDir, 'logs', `${fleet}.log`), pidFile: join(dir, `${fleet}.pid`), runtimeDir: dir, socket: join(dir, `${fleet}.sock`)})
  const dirs = clientRuntimeDirectories(context)
  assert.equal(dirs[0], '/run/decnet')
  assert.ok(dirs.includes(dir), dirs.join(' '))
})
