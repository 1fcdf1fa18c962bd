// The collect settings (src/ingest/collect/collect-settings.ts): defaults, origins, command-line overrides,
// relative paths, the port groups of collect and collect-bind, and one message shape for every mistake.
import assert from 'node:assert/strict'
import {mkdtempSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join, resolve} from 'node:path'
import {describe, it, type TestContext} from 'node:test'

import {
  checkCollectSettings,
  CollectSettingsError,
  collectSettingsPath,
  DEFAULT_COLLECT_SETTINGS,
  listenersOf,
  readCollectSettings,
} from '../../src/ingest/collect/collect-settings.js'

function settingsFile(t: TestContext, content: string | undefined): string {
  const dir = mkdtempSync(join(tmpdir(), 'decnet-collect-settings-'))
  t.after(() => rmSync(dir, {force: true, recursive: true}))
  const file = collectSettingsPath(dir)
  if (content !== undefined) writeFileSync(file, content)
  return file
}

describe('collect settings', () => {
  it('no file: every default, every origin "default"', (t) => {
    const file = settingsFile(t, undefined)
    const effective = readCollectSettings(file)
    assert.equal(effective.fileExists, false)
    assert.deepEqual(effective.settings, DEFAULT_COLLECT_SETTINGS)
    assert.ok(Object.values(effective.origins).every((origin) => origin === 'default'))
  })

  it('a file: its values (relative paths from its directory), the rest defaults; the command line replaces the lists', (t) => {
    const file = settingsFile(t, JSON.stringify({flushSeconds: 0.5, follow: ['logs/decnet.log'], listen: ['tls://0.0.0.0'], tls: {ca: 'ca.pem', cert: '/etc/c.pem', key: 'k.pem'}}))
    const dir = resolve(file, '..')
    const effective = readCollectSettings(file)
    assert.deepEqual(effective.settings.follow, [join(dir, 'logs/decnet.log')])
    assert.deepEqual(effective.settings.listen, ['tls://0.0.0.0:6514'], 'the default port written out')
    assert.deepEqual(effective.settings.tls, {ca: join(dir, 'ca.pem'), cert: '/etc/c.pem', key: join(dir, 'k.pem')})
    assert.equal(effective.settings.flushSeconds, 0.5)
    assert.deepEqual([effective.origins.follow, effective.origins.flushSeconds, effective.origins.batchSize], ['file', 'file', 'default'])
    const overridden = readCollectSettings(file, {follow: ['a.log'], listen: ['tcp://[::1]:5514']})
    assert.deepEqual(overridden.settings.follow, [resolve('a.log')])
    assert.deepEqual(overridden.settings.listen, ['tcp://[::1]:5514'])
    assert.deepEqual([overridden.origins.follow, overridden.origins.listen], ['command line', 'command line'])
  })

  it('splits the listeners: below 1024 for collect-bind, the others (port 0 included) for collect', () => {
    const tls = {ca: '/c', cert: '/c', key: '/k'}
    const settings = checkCollectSettings({listen: ['tcp://0.0.0.0:514', 'tls://0.0.0.0', 'udp://127.0.0.1:0', 'udp://127.0.0.1:1023', 'tcp://127.0.0.1:1024'], tls}, 'x')
    assert.throws(() => checkCollectSettings({listen: ['tls://0.0.0.0']}, 'x'), /a tls:\/\/ listener needs `tls`/)
    assert.deepEqual(listenersOf(settings, 'privileged').map((l) => l.text), ['tcp://0.0.0.0:514', 'udp://127.0.0.1:1023'])
    assert.deepEqual(listenersOf(settings, 'unprivileged').map((l) => l.text), ['tls://0.0.0.0:6514', 'udp://127.0.0.1:0', 'tcp://127.0.0.1:1024'])
  })

  it('names the file and the setting for every mistake', (t) => {
    const cases: Array<[unknown, RegExp]> = [
      [[], /expected a JSON object of settings, got an array of 0/],
      [{folow: []}, /unknown setting "folow"; known: follow, listen/],
      [{follow: 'a.log'}, /Expected .*`follow` to be an array of non-empty strings, got "a\.log"/],
      [{listen: ['tcp://localhost:514']}, /Expected .*`listen\[0\]` to be tcp:\/\/, tls:\/\/ or udp:\/\/ then an IP address/],
      [{maxMessageBytes: 100}, /Expected .*`maxMessageBytes` to be a whole number from 480 to 65536, got number 100/],
      [{flushSeconds: -1}, /Expected .*`flushSeconds` to be a positive number of seconds/],
      [{tls: {cert: 'c', key: 'k'}}, /Expected .*`tls`\.ca to be a file path, got nothing/],
      [{spool: {directory: '/var/spool/decnet'}}, /`spool`\.maxBytes to be a whole number of bytes/],
    ]
    for (const [raw, message] of cases) {
      assert.throws(() => checkCollectSettings(raw, '/etc/decnet/collect.json'), (error: Error) => error instanceof CollectSettingsError && message.test(error.message) && error.message.includes('collect.json'), JSON.stringify(raw))
    }

    assert.throws(() => readCollectSettings(settingsFile(t, '{"follow": [')), /the collect settings .*collect\.json are not JSON/)
    assert.throws(() => readCollectSettings(settingsFile(t, '{}'), {listen: ['tcp://1.2.3.4:99999']}), /Expected `--listen` to be tcp:\/\//)
  })
})
