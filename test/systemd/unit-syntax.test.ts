// Writing outside values into unit files: escaping checked by hand and, for ExecStart, by systemd itself.
import assert from 'node:assert/strict'
import {mkdtempSync, rmSync, symlinkSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {describe, it} from 'node:test'

import {sandboxMounts} from '../../src/systemd/index.js'
import {accountName, environmentValue, escapeSpecifiers, execLine, oneLine, unitPath} from '../../src/systemd/unit-syntax.js'
import {verifyUnit} from '../helpers/systemd-unit.js'

describe('unit syntax', () => {
  it('escapes specifiers and flattens free text to one safe line', () => {
    assert.equal(escapeSpecifiers('100% %n'), '100%% %%n')
    assert.equal(oneLine('a\n\tb\r\nc\u0000d  \\\\'), 'a b c d')
    assert.equal(oneLine('  50% done \\ still  '), '50%% done \\ still')
  })

  it('leaves plain ExecStart words alone, quotes the rest, escapes % (and $ in arguments)', () => {
    assert.equal(execLine(['/usr/bin/node', '--grace', '15']), '/usr/bin/node --grace 15')
    assert.equal(execLine(['/opt/a b/node', 'x y']), '"/opt/a b/node" "x y"')
    // systemd expands $VAR in arguments only; in the executable's path a $ is literal.
    assert.equal(execLine(['/opt/$HOME/100%', '$HOME', '100%']), '/opt/$HOME/100%% $$HOME 100%%')
    assert.equal(execLine(['/usr/bin/node', 'say "q"\\x']), String.raw`/usr/bin/node "say \"q\"\\x"`)
    assert.throws(() => execLine(['/opt/a\nb']), /executable "\/opt\/a\\nb" holds a control character/)
    assert.throws(() => execLine(['/usr/bin/node', 'a\nb']), /argument .* holds a control character/)
    assert.throws(() => execLine(["/opt/it's/node"]), /holds a quote or backslash, which systemd refuses/)
  })

  it('writes Environment= assignments, quoting values with blanks; %S stays live only on request', () => {
    assert.equal(environmentValue('DECNET_DB_URL', 'sqlite:/var/lib/x.sqlite'), 'DECNET_DB_URL=sqlite:/var/lib/x.sqlite')
    assert.equal(environmentValue('DECNET_DATA_DIR', '/srv/my data'), '"DECNET_DATA_DIR=/srv/my data"')
    assert.equal(environmentValue('X', 'a%Sb'), 'X=a%%Sb')
    assert.equal(environmentValue('X', 'sqlite:%S/x', {raw: true}), 'X=sqlite:%S/x')
    assert.throws(() => environmentValue('X', 'a\nY=b'), /control character/)
  })

  it('writes paths for path lists plainly or refuses them; user names likewise', () => {
    assert.equal(unitPath('/srv/decnet', 'db'), '/srv/decnet')
    assert.equal(unitPath('/srv/100%', 'db', {optional: true}), '-/srv/100%%')
    for (const bad of ['/srv/a b', '/srv/a:b', 'relative', '/srv/"x"']) assert.throws(() => unitPath(bad, 'db'), /cannot be written into a unit file/)
    assert.equal(accountName('decnet', 'user'), 'decnet')
    assert.equal(accountName('65534', 'user'), '65534')
    for (const bad of ['-x', 'a b', 'a\nb', '']) assert.throws(() => accountName(bad, '--user'), /is not a name systemd accepts/)
  })

  it('systemd reads a quoted ExecStart path back as the same file', (t) => {
    const dir = mkdtempSync(join(tmpdir(), 'decnet unit 100% $x '))
    t.after(() => rmSync(dir, {force: true, recursive: true}))
    const node = join(dir, 'no de')
    symlinkSync(process.execPath, node)
    const verdict = verifyUnit(t, `[Service]\nExecStart=${execLine([node, '--version'])}\n`, 'decnet-quoting.service')
    if (verdict.skip) return t.skip(verdict.skip)
    assert.deepEqual(verdict.problems, [], verdict.output)
    const wrong = verifyUnit(t, `[Service]\nExecStart=${node} --version\n`, 'decnet-unquoted.service')
    assert.notDeepEqual(wrong.problems, [], 'the unquoted path should not resolve (else this test proves nothing)')
  })

  it('sandboxMounts collapses nested paths and keeps write access over read access', () => {
    const mounts = sandboxMounts({
      read: [
        {path: '/home/op/decnet', what: 'decnet'},
        {path: '/home/op/decnet/node_modules/p', what: 'plugin'},
        {path: '/home/op/db/ro', what: 'x'},
        {path: '/usr/lib/node', what: 'node'},
      ],
      readIfPresent: [{path: '/home/op/decnet/data', what: 'data'}],
      write: [{path: '/home/op/db', what: 'db'}, {path: '/srv/db', what: 'db'}],
    })
    assert.equal(mounts.protectHome, 'tmpfs')
    assert.deepEqual(mounts.directives, [
      ['BindReadOnlyPaths', '/home/op/decnet'],
      ['BindPaths', '/home/op/db'],
      ['ReadWritePaths', '/srv/db'],
    ])
    const plain = sandboxMounts({read: [{path: '/usr/lib/decnet', what: 'decnet'}], readIfPresent: [], write: []})
    assert.deepEqual(plain, {directives: [], protectHome: 'yes', warnings: []})
  })
})
