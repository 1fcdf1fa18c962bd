import assert from 'node:assert/strict'
import {join} from 'node:path'
import {describe, it} from 'node:test'

import {jsonProblem} from '../../src/fleets/json-problem.js'
import {RESERVED_FLEET_NAMES} from '../../src/fleets/registry.js'
import {validateFleet} from '../../src/fleets/validate.js'
import {FIXTURE_PLUGINS} from '../helpers/decnet-cli.js'

const root = join(FIXTURE_PLUGINS, 'decnet-plugin-sample')
const context = {pluginRoot: root, reserved: new Set(RESERVED_FLEET_NAMES)}
const worker = (extra: Record<string, unknown> = {}): Record<string, unknown> => ({name: 'w', module: './workers/idle.js', needs: 'database', ...extra})
const fleet = (extra: Record<string, unknown> = {}): Record<string, unknown> => ({name: 'f', description: 'a fleet', profile: 'database', workers: [worker()], ...extra})
const problemOf = (raw: unknown): string => {
  const result = validateFleet(raw, 0, context)
  assert.equal(result.ok, false, `expected a problem for ${JSON.stringify(raw)}`)
  assert.ok(!result.ok)
  return result.message
}

describe('validateFleet', () => {
  it('resolves a valid fleet: absolute module, defaults filled, options copied and frozen', () => {
    const options = {interval: 5, nested: {list: [1, 'two', null, true]}}
    const result = validateFleet(fleet({workers: [worker({options})]}), 0, context)
    assert.equal(result.ok, true)
    const [w] = result.fleet.workers
    assert.deepEqual(w, {
      exportName: 'default',
      modulePath: join(root, 'workers', 'idle.js'),
      name: 'w',
      needs: 'database',
      options,
      restart: 'on-failure',
    })
    assert.notEqual(w.options, options)
    assert.ok(Object.isFrozen(w.options) && Object.isFrozen(result.fleet) && Object.isFrozen(result.fleet.workers))
  })

  it('accepts an absolute module path and a named export', () => {
    const result = validateFleet(fleet({workers: [worker({export: 'run', module: join(root, 'workers', 'idle.js')})]}), 0, context)
    assert.equal(result.ok, true)
    assert.equal(result.fleet.workers[0].exportName, 'run')
  })

  it('refuses names that do not match [a-z][a-z0-9-]* or are longer than 32', () => {
    for (const name of ['Heavy', '1fleet', '-x', 'a_b', 'a b', '', 'a'.repeat(33)]) {
      assert.match(problemOf(fleet({name})), /must match \[a-z\]\[a-z0-9-\]\*/, name)
    }

    assert.equal(validateFleet(fleet({name: 'a'.repeat(32)}), 0, context).ok, true)
    assert.match(problemOf(fleet({name: 42})), /fleet #1 has no name/)
  })

  it('refuses every reserved name, saying it is a subcommand', () => {
    for (const name of ['list', 'status', 'stop', 'reload', 'unit', 'logs', 'help']) {
      assert.ok(RESERVED_FLEET_NAMES.includes(name), name)
      assert.match(problemOf(fleet({name})), new RegExp(`fleet name '${name}' is reserved: \`decnet fleet ${name}\` is a subcommand`))
    }
  })

  it('refuses a missing description, an unknown profile, no workers', () => {
    assert.match(problemOf(fleet({description: ''})), /description must be a non-empty string/)
    assert.match(problemOf(fleet({profile: 'admin'})), /profile must be one of database, docker, net-bind, net-raw, root \(got "admin"\)/)
    assert.match(problemOf(fleet({workers: []})), /workers must be a non-empty array/)
    assert.match(problemOf(fleet({workers: 'w'})), /workers must be a non-empty array/)
  })

  it('collects every problem of a fleet, not just the first', () => {
    const message = problemOf(fleet({description: 7, name: 'Bad', workers: [worker({needs: 'root', restart: 'sometimes'})]}))
    assert.match(message, /fleet name "Bad"/)
    assert.match(message, /description must be/)
    assert.match(message, /restart must be one of always, never, on-failure/)
  })

  it('refuses bad worker specs', () => {
    assert.match(problemOf(fleet({workers: [worker({name: 'W'})]})), /worker 'W': name must match/)
    assert.match(problemOf(fleet({workers: [worker(), worker()]})), /worker name 'w' is used twice/)
    assert.match(problemOf(fleet({workers: [worker({module: './workers/nope.js'})]})), /worker 'w': module \.\/workers\/nope\.js not found \(.*nope\.js: ENOENT\)/)
    assert.match(problemOf(fleet({workers: [worker({module: './workers'})]})), /module \.\/workers is not a file/)
    assert.match(problemOf(fleet({workers: [worker({module: 3})]})), /module must be a path/)
    assert.match(problemOf(fleet({workers: [worker({export: 'not-an-identifier'})]})), /export must be an identifier/)
    assert.match(problemOf(fleet({workers: [worker({needs: 'everything'})]})), /needs must be one of/)
    assert.match(problemOf(fleet({workers: ['w']})), /worker #1 is "w", not a worker spec/)
  })

  it("carries a worker's alerts: 'sender' (it delivers the fleet's alerts), and refuses anything else there", () => {
    const result = validateFleet(fleet({workers: [worker({alerts: 'sender'})]}), 0, context)
    assert.ok(result.ok)
    assert.equal(result.fleet.workers[0].alerts, 'sender')
    assert.match(problemOf(fleet({workers: [worker({alerts: 'receiver'})]})), /worker 'w': alerts must be 'sender' \(got "receiver"\)/)
  })

  it('refuses options that are not a JSON object', () => {
    assert.match(problemOf(fleet({workers: [worker({options: [1]})]})), /options is an array of 1, not an object/)
    assert.match(problemOf(fleet({workers: [worker({options: {when: new Date(0)}})]})), /options\.when is a Date, not JSON/)
    assert.match(problemOf(fleet({workers: [worker({options: {f: () => 1}})]})), /options\.f is a function, not JSON/)
  })

  it('rejects a fleet that mixes privilege profiles, explaining why a fleet is one privilege group', () => {
    const message = problemOf(fleet({workers: [worker({name: 'reader'}), worker({name: 'sniffer', needs: 'net-raw'})]}))
    assert.match(message, /fleet mixes privilege profiles \(reader needs database, sniffer needs net-raw\)/)
    assert.match(message, /every child inherits the union of the master's privileges, so a fleet is one privilege group/)
  })

  it("rejects workers that agree with each other but not with the fleet's profile", () => {
    const message = problemOf(fleet({profile: 'database', workers: [worker({needs: 'root'})]}))
    assert.match(message, /workers disagree with the fleet's profile 'database' \(w needs root\)/)
    assert.match(message, /union of the master's privileges/)
  })

  it('refuses garbage in place of a definition', () => {
    for (const raw of [null, 42, 'fleet', [fleet()]]) assert.match(problemOf(raw), /^fleet #1 is .*, not a fleet definition$/)
  })
})

describe('jsonProblem', () => {
  it('accepts JSON and says precisely what is not', () => {
    assert.equal(jsonProblem({a: [1, 'x', null, false, {b: 2.5}]}, 'options'), null)
    assert.equal(jsonProblem(Object.assign(Object.create(null), {a: 1}), 'options'), null)
    assert.equal(jsonProblem({a: undefined}, 'options'), 'options.a is undefined, not JSON')
    assert.equal(jsonProblem({a: [Number.NaN]}, 'options'), 'options.a[0] is NaN, not JSON')
    assert.equal(jsonProblem({a: 1n}, 'options'), 'options.a is a bigint, not JSON')
    assert.equal(jsonProblem({a: new Map()}, 'options'), 'options.a is a Map, not JSON')
    const cycle: {self?: unknown} = {}
    cycle.self = cycle
    assert.equal(jsonProblem(cycle, 'options'), 'options.self is circular')
    const shared = {x: 1}
    assert.equal(jsonProblem({a: shared, b: shared}, 'options'), null, 'a shared (acyclic) object is fine')
  })
})
