import assert from 'node:assert/strict'
import {mkdtempSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {describe, it} from 'node:test'

import type {PrivilegeProfile} from '../../src/fleets/types.js'
import {capabilityNames, type Credentials, exceedsProfile, lookupGroupId, readCredentials} from '../../src/prefork/credentials.js'

/** The fields of a /proc/PID/status text a test sets (tab-separated, as the kernel writes them). */
interface StatusFields {
  uid?: string
  gid?: string
  groups?: string
  capEff?: string
}

const status = ({uid = '1000\t1000\t1000\t1000', gid = '1000\t1000\t1000\t1000', groups = '', capEff = '0000000000000000'}: StatusFields = {}): string =>
  [
    'Name:\tnode',
    'Umask:\t0022',
    'State:\tS (sleeping)',
    `Uid:\t${uid}`,
    `Gid:\t${gid}`,
    'FDSize:\t64',
    `Groups:\t${groups}`,
    'CapInh:\t0000000000000000',
    'CapPrm:\t0000000000000000',
    `CapEff:\t${capEff}`,
    'CapBnd:\t000001ffffffffff',
    'CapAmb:\t0000000000000000',
    '',
  ].join('\n')

const user = (extra: Partial<Credentials> = {}): Credentials => ({capEff: 0n, egid: 1000, euid: 1000, gid: 1000, groups: [], uid: 1000, ...extra})

/** Why `creds` exceed `profile`; fails the test when exceedsProfile finds nothing. */
function excess(creds: Credentials, profile: PrivilegeProfile, dockerGid?: number): string {
  const why = exceedsProfile(creds, profile, dockerGid)
  assert.ok(why !== null, `expected the credentials to exceed the '${profile}' profile`)
  return why
}
const NET_RAW = 1n << 13n

describe('readCredentials', () => {
  it('parses uid, gid, groups and capabilities from /proc/<pid>/status text', () => {
    const creds = readCredentials(status({capEff: '0000000000002000', gid: '100\t101\t101\t101', groups: '27 100 999 ', uid: '1000\t0\t0\t0'}))
    assert.deepEqual(creds, {capBnd: 0x1ffffffffffn, capEff: NET_RAW, egid: 101, euid: 0, gid: 100, groups: [27, 100, 999], uid: 1000})
  })

  it("reads this process's own credentials by default", () => {
    const creds = readCredentials()
    assert.equal(creds.uid, process.getuid?.())
    assert.equal(creds.euid, process.geteuid?.())
    assert.equal(creds.gid, process.getgid?.())
    assert.equal(typeof creds.capEff, 'bigint')
  })

  it('refuses a status text it cannot read rather than guessing', () => {
    assert.throws(() => readCredentials('Name:\tx\nUid:\tnope\n'), /unreadable process status: field Uid/)
  })
})

describe('exceedsProfile', () => {
  it('lets an unprivileged user run every profile', () => {
    for (const profile of ['database', 'docker', 'net-raw', 'root'] as const) assert.equal(exceedsProfile(user(), profile, 999), null, profile)
  })

  it('finds root, the root group and capabilities for every profile but root', () => {
    const root = readCredentials(status({capEff: '000001ffffffffff', gid: '0\t0\t0\t0', uid: '0\t0\t0\t0'}))
    for (const profile of ['database', 'docker', 'net-raw'] as const) {
      const why = excess(root, profile, 999)
      assert.match(why, /^runs as root \(uid 0, euid 0\); holds the root group \(gid 0\); holds 4[01] capabilities \(cap_chown, /, profile)
      assert.match(why, new RegExp(`more than the '${profile}' profile allows$`))
    }

    assert.equal(exceedsProfile(root, 'root'), null)
    assert.match(excess(user({euid: 0}), 'database', 999), /runs as root \(uid 1000, euid 0\)/)
    assert.match(excess(user({groups: [0]}), 'database', 999), /holds the root group/)
  })

  it('allows CAP_NET_RAW to net-raw only', () => {
    assert.equal(exceedsProfile(user({capEff: NET_RAW}), 'net-raw', 999), null)
    assert.match(excess(user({capEff: NET_RAW}), 'database', 999), /holds capability cap_net_raw, more than the 'database' profile allows/)
    assert.match(excess(user({capEff: NET_RAW | 1n}), 'net-raw', 999), /holds capability cap_chown,/)
  })

  it('treats membership of the docker group as privilege beyond database and net-raw', () => {
    assert.equal(exceedsProfile(user({groups: [999]}), 'docker', 999), null)
    assert.match(excess(user({groups: [999]}), 'database', 999), /is in the docker group \(gid 999\), which is worth root/)
    assert.match(excess(user({egid: 999, gid: 999}), 'net-raw', 999), /docker group/)
  })
})

describe('capabilityNames and lookupGroupId', () => {
  it('names capability bits, unknown ones by number', () => {
    assert.deepEqual(capabilityNames(0n), [])
    assert.deepEqual(capabilityNames(NET_RAW | (1n << 21n) | (1n << 50n)), ['cap_net_raw', 'cap_sys_admin', 'cap_50'])
  })

  it('finds a group in a group file, and says undefined for none', (t) => {
    const dir = mkdtempSync(join(tmpdir(), 'decnet-groups-'))
    t.after(() => rmSync(dir, {force: true, recursive: true}))
    const file = join(dir, 'group')
    writeFileSync(file, 'root:x:0:\ndocker:x:998:alice,bob\nbroken\n')
    assert.equal(lookupGroupId('docker', file), 998)
    assert.equal(lookupGroupId('wheel', file), undefined)
    assert.equal(lookupGroupId('docker', join(dir, 'absent')), undefined)
  })
})
