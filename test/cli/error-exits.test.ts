// The one error -> exit table: every library error a command may meet maps to its
// documented exit code (keyed by class name, so this also proves each name matches
// its class), and anything else is left to propagate.
import assert from 'node:assert/strict'
import {describe, it} from 'node:test'

import {UnknownAttackerError} from '../../src/attackers/errors.js'
import {ERROR_EXITS, exitFor} from '../../src/cli/error-exits.js'
import {ControlError} from '../../src/control/control-client.js'
import {SocketInUseError} from '../../src/control/control-server.js'
import {DaemonStartError, UnsafeFileError} from '../../src/control/launch-daemon.js'
import {AlreadyRunningError} from '../../src/control/pid-file.js'
import {StopTimeoutError} from '../../src/control/stop-fleet.js'
import {DatabaseError} from '../../src/db/errors.js'
import {DatabaseUrlError} from '../../src/db/url.js'
import {ExitCode} from '../../src/exit-codes.js'
import {ExportOutputError} from '../../src/export/export-errors.js'
import {UnknownFleetError, UnusableFleetError} from '../../src/fleets/errors.js'
import {FlagValueError} from '../../src/cli/seconds.js'
import {CollectSettingsError} from '../../src/ingest/collect/collect-settings.js'
import {PrivilegeError} from '../../src/prefork/privilege-plan.js'
import {FleetUnitError} from '../../src/systemd/index.js'
import {SpoolError} from '../../src/ingest/spool/spool-error.js'
import {CatalogError} from '../../src/ttp/attack-catalog.js'
import {RuleInputError} from '../../src/ttp/rule-test.js'
import {CountingRuleInputError} from '../../src/ttp/rule-test-scope.js'
import {RuleStateError, RuleStateValueError, UnknownRuleError} from '../../src/ttp/rule-state.js'
import {StixBundleError} from '../../src/ttp/stix-catalog.js'
import {GeoDatabaseError} from '../../src/enrich/errors.js'
import {WebhookSettingsError} from '../../src/alerts/webhook-settings-error.js'

const target = {fleet: 'heavy', socket: '/run/decnet/heavy.sock'}

/** [error, the exit code it must give]: one row per class and per kind that changes the code. */
const CASES: ReadonlyArray<readonly [Error & {kind?: string}, number]> = [
  [new UnknownAttackerError('203.0.113.7'), ExitCode.NOT_FOUND],
  [new AlreadyRunningError('heavy', 42, '/run/decnet/heavy.pid'), ExitCode.ALREADY_RUNNING],
  [new ControlError('absent', target, 'fleet heavy is not running'), ExitCode.NOT_FOUND],
  [new ControlError('stale', target, 'stale socket'), ExitCode.NOT_FOUND],
  [new ControlError('denied', target, 'permission denied'), ExitCode.FAILURE],
  [new ControlError('no-answer', target, 'no answer'), ExitCode.FAILURE],
  [new ControlError('protocol', target, 'garbage'), ExitCode.FAILURE],
  [new DaemonStartError('exited', 4, []), ExitCode.WORKER_BOOT_FAILED],
  [new DaemonStartError('not ready', ExitCode.TIMEOUT, ['a line']), ExitCode.TIMEOUT],
  [new SocketInUseError(target, 42), ExitCode.ALREADY_RUNNING],
  [new StopTimeoutError('heavy', 42, 1000), ExitCode.TIMEOUT],
  [new UnsafeFileError('symlink', '/tmp/x'), ExitCode.FAILURE],
  [new DatabaseError('cannot connect', {target: 'db'}), ExitCode.DATABASE],
  [new DatabaseUrlError('mysql://x', 'unsupported scheme'), ExitCode.USAGE],
  [new ExportOutputError('/tmp/x.json is a symbolic link'), ExitCode.FAILURE],
  [new UnknownFleetError('nope', ['heavy']), ExitCode.USAGE],
  [new UnusableFleetError('broken', ['heavy'], ['two plugins define it']), ExitCode.USAGE],
  [new PrivilegeError('refused', 'root'), ExitCode.PRIVILEGE_REFUSED],
  [new PrivilegeError('insufficient', 'needs root'), ExitCode.FAILURE],
  [new PrivilegeError('usage', '--user without root'), ExitCode.USAGE],
  [new FlagValueError('--grace', 'Expected `--grace` to be a positive number of seconds, got `-1`'), ExitCode.USAGE],
  [new FleetUnitError('--user nobody: that user is root'), ExitCode.USAGE],
  [new CatalogError('/x/enterprise-attack.json: not an ATT&CK catalog'), ExitCode.FAILURE],
  [new SpoolError('the spool segment /x/segment-0000000000000001.spool is not a regular file'), ExitCode.FAILURE],
  [new StixBundleError('x.json: expected a STIX bundle'), ExitCode.USAGE],
  [new GeoDatabaseError('x.mmdb', 'not a MaxMind DB file'), ExitCode.INPUT_UNREADABLE],
  [new RuleInputError('does not parse'), ExitCode.USAGE],
  [new CountingRuleInputError('a counting rule'), ExitCode.USAGE],
  [new RuleStateValueError('Expected a confidence in (0, 1], got "2"'), ExitCode.USAGE],
  [new UnknownRuleError('discovery.nope'), ExitCode.NOT_FOUND],
  [new RuleStateError('/x/rule-state.json: the rule state is not JSON'), ExitCode.INPUT_UNREADABLE],
  [new CollectSettingsError('collect.json: unknown setting "x"'), ExitCode.USAGE],
  [new WebhookSettingsError('url', 'Expected `--webhook` to be an http:// or https:// URL, got `ftp://x`'), ExitCode.WEBHOOK],
  [new WebhookSettingsError('secret', 'cannot read the webhook secret file "/x" (--webhook-secret-file): ENOENT'), ExitCode.WEBHOOK],
]

describe('exitFor', () => {
  for (const [error, code] of CASES) {
    it(`${error.name}${error.kind ? ` (${error.kind})` : ''} -> ${code}`, () => {
      assert.equal(exitFor(error)?.exit, code)
    })
  }

  it('has a case above for every class in the table', () => {
    const tested = new Set(CASES.map(([error]) => error.constructor.name))
    assert.deepEqual(Object.keys(ERROR_EXITS).filter((name) => !tested.has(name)), [])
  })

  it("keeps the error's own message unless the table gives one, and adds suggestions where it has them", () => {
    assert.equal(exitFor(new UnknownFleetError('nope', []))?.message, undefined)
    assert.ok(exitFor(new UnusableFleetError('broken', [], ['x']))?.suggestions?.length)
    assert.equal(exitFor(new UnknownAttackerError('203.0.113.7'))?.message, undefined)
    assert.ok(exitFor(new UnknownAttackerError('203.0.113.7'))?.suggestions?.length)
  })

  it('a subclass the table does not list takes its ancestor rule', () => {
    class LocalFleetError extends UnknownFleetError {}
    assert.equal(exitFor(new LocalFleetError('x', []))?.exit, ExitCode.USAGE)
  })

  it('leaves anything else to propagate: plain errors, oclif errors, non-errors', () => {
    assert.equal(exitFor(new Error('boom')), undefined)
    assert.equal(exitFor(new TypeError('x is undefined')), undefined)
    assert.equal(exitFor(Object.assign(new Error('Nonexistent flag'), {oclif: {exit: 2}})), undefined)
    assert.equal(exitFor('DatabaseError'), undefined)
    assert.equal(exitFor({name: 'DatabaseError', message: 'x'}), undefined)
    assert.equal(exitFor(undefined), undefined)
  })
})
