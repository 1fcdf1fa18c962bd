// `--user` for a unit: systemd gives the service every group of the user, so those count too.
import assert from 'node:assert/strict'
import {describe, it} from 'node:test'

import type {PrivilegeProfile} from '../../src/fleets/types.js'
import type {UserAccount} from '../../src/prefork/lookup-user.js'
import {type AccountLookups, FleetUnitError, resolveUnitAccount, type UnitAccount} from '../../src/systemd/index.js'

/** A made-up user with its login groups. */
interface TestUser extends UserAccount {
  readonly groups: number[]
}

const DOCKER = 998
const USERS: Readonly<Record<string, TestUser>> = {
  boxer: {gid: 1001, name: 'boxer', uid: 1001, groups: [1001, DOCKER]},
  decnet: {gid: 1000, name: 'decnet', uid: 1000, groups: [1000]},
  orphan: {gid: 4321, name: 'orphan', uid: 4321, groups: [4321]},
  root: {gid: 0, name: 'root', uid: 0, groups: [0]},
  wheel: {gid: 1002, name: 'wheel', uid: 1002, groups: [1002, 0]},
}
const GROUPS: Readonly<Record<number, string>> = {0: 'root', 1000: 'decnet', 1001: 'boxer', 1002: 'wheel', [DOCKER]: 'docker'}

const lookups: AccountLookups = {
  groupId: (name) => {
    const found = Object.entries(GROUPS).find(([, n]) => n === name)
    return found ? Number(found[0]) : undefined
  },
  groupName: (gid) => GROUPS[gid],
  groups: (name) => USERS[name]?.groups ?? assert.fail(`the test asked for the groups of an unknown user ${name}`),
  user: (name) => USERS[name] && {gid: USERS[name].gid, name, uid: USERS[name].uid},
}
const resolve = (user: string, profile: PrivilegeProfile): UnitAccount => resolveUnitAccount(user, {name: 'f', profile}, lookups)

describe('resolveUnitAccount', () => {
  it('gives the user and the name of its primary group (or its id when it has none)', () => {
    assert.deepEqual(resolve('decnet', 'database'), {group: 'decnet', user: 'decnet'})
    assert.deepEqual(resolve('orphan', 'net-raw'), {group: '4321', user: 'orphan'})
  })

  it("refuses a user whose own groups exceed the profile: docker for database and net-raw, root's group for all", () => {
    assert.throws(() => resolve('boxer', 'database'), /--user boxer: that user is in the docker group \(gid 998\), which is worth root, more than the 'database' profile allows/)
    assert.throws(() => resolve('boxer', 'net-raw'), /docker group/)
    assert.deepEqual(resolve('boxer', 'docker'), {group: 'boxer', user: 'boxer'})
    assert.throws(() => resolve('wheel', 'docker'), /holds the root group \(gid 0\)/)
    assert.throws(() => resolve('root', 'database'), /runs as root/)
  })

  it('refuses an unknown user, and any user for a root fleet', () => {
    assert.throws(() => resolve('ghost', 'database'), (error) => error instanceof FleetUnitError && error.message === "--user: unknown user 'ghost'")
    assert.throws(() => resolve('decnet', 'root'), {message: "fleet 'f' needs root: --user would take it away"})
  })

  it('looks real users up by default (nobody exists everywhere)', () => {
    const account = resolveUnitAccount('nobody', {name: 'f', profile: 'database'})
    assert.equal(account.user, 'nobody')
    assert.match(account.group, /^(nogroup|nobody|65534)$/)
  })
})
