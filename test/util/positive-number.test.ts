// The one validator of operator-given numbers (flags, worker options, DECNET_* variables) and of durations.
import assert from 'node:assert/strict'
import {describe, it} from 'node:test'

import {FlagValueError, secondsFlag} from '../../src/cli/seconds.js'
import {loopSettings} from '../../src/workers/loop-settings.js'
import {NumberValueError, positiveNumber} from '../../src/util/positive-number.js'
import {MAX_SECONDS, seconds, toMs} from '../../src/util/seconds.js'

describe('positiveNumber', () => {
  it('takes finite positive numbers and plain decimal strings', () => {
    assert.equal(positiveNumber(5, 'batchSize'), 5)
    assert.equal(positiveNumber(' 0.5 ', 'batchSize'), 0.5)
    assert.equal(positiveNumber('.25', 'batchSize'), 0.25)
    assert.equal(positiveNumber(0, 'x', {zero: true}), 0)
  })

  it('refuses anything else with one message shape naming where the value came from', () => {
    const cases: Array<[unknown, string, string]> = [
      [0, 'batchSize', 'Expected `batchSize` to be a positive number, got `0`'],
      ['1e3', 'batchSize', 'Expected `batchSize` to be a positive number, got `1e3`'],
      ['-1', '--grace', 'Expected `--grace` to be a positive number, got `-1`'],
      [Number.POSITIVE_INFINITY, 'batchSize', 'Expected `batchSize` to be a positive number, got `Infinity`'],
      [{}, 'batchSize', 'Expected `batchSize` to be a positive number, got `{}`'],
      ['soon', '$DECNET_LEASE_SECONDS', 'Expected $DECNET_LEASE_SECONDS to be a positive number, got `soon`'],
    ]
    for (const [value, name, message] of cases) {
      assert.throws(() => positiveNumber(value, name), (error: unknown) => error instanceof NumberValueError && error.message === message && error.source === name)
    }
  })
})

describe('seconds', () => {
  it('is one validator and one message for --interval and the interval option', () => {
    const fromFlag = (() => {
      try {
        secondsFlag('--interval', '-1')
      } catch (error) {
        assert.ok(error instanceof FlagValueError)
        return error.message
      }
    })()
    assert.equal(fromFlag, 'Expected `--interval` to be a positive number of seconds, got `-1`')
    assert.throws(() => loopSettings({interval: -1}, false, 60, {}), {message: 'Expected `interval` to be a positive number of seconds, got `-1`'})
    assert.throws(() => seconds('soon', '--watchdog', {zero: true}), {message: 'Expected `--watchdog` to be a non-negative number of seconds (0 disables), got `soon`'})
    assert.throws(() => seconds(MAX_SECONDS + 1, 'interval'), {message: `Expected \`interval\` to be at most ${MAX_SECONDS} seconds, got \`${MAX_SECONDS + 1}\``})
  })

  it('stays seconds from the flag to the loop, which alone turns it into its timer\'s milliseconds', () => {
    const interval = secondsFlag('--interval', '2.5')
    assert.equal(interval, 2.5)
    assert.equal(loopSettings({interval}, false, 60, {}).intervalMs, 2500)
    assert.equal(toMs(0.0004), 0)
  })
})
