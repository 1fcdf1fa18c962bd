/**
 * The parts of `decnet fleet NAME` that deal with daemons and the control
 * socket: the `--daemon` flags, launching, and serving a running fleet.
 */
import type {Command} from '@oclif/core/command'

import * as Flags from '@oclif/core/flags'

import type {FleetOutcome} from '../prefork/options.js'
import type {Supervisor} from '../prefork/supervisor.js'

import {exitFor} from './error-exits.js'
import {fleetPaths} from '../control/fleet-paths.js'
import {openControl} from '../control/fleet-control.js'
import {releasePidFile} from '../control/pid-file.js'
import {ExitCode} from '../exit-codes.js'
import {toMs} from '../util/seconds.js'
import {secondsFlag} from './seconds.js'

/** The flags `decnet fleet NAME` gets for daemon mode. */
export const daemonFlags = {
  daemon: Flags.boolean({
    char: 'd',
    description: `Starts the fleet detached (its own session, no controlling terminal) and returns once every worker is ready; exits non-zero with the end of the log if it fails to start, ${ExitCode.ALREADY_RUNNING} if the fleet already runs. Files (NAME is the fleet):
  pid file and control socket: /run/decnet/NAME.{pid,sock} as root, else $XDG_RUNTIME_DIR/decnet/, else <%= config.dataDir %>/run/ ($DECNET_RUNTIME_DIR overrides)
  log (appended): <%= config.dataDir %>/logs/NAME.log
See decnet fleet status, stop and logs.`,
    exclusive: ['once'],
    summary: 'Run in the background (detached); return once the fleet is ready.',
  }),
  'daemon-child': Flags.boolean({hidden: true, summary: 'Internal: this process is the detached copy started by --daemon.'}),
  'ready-timeout': Flags.string({
    default: '60',
    helpValue: 'SECONDS',
    summary: 'With --daemon: how long the fleet gets to be ready before it is stopped and the start fails.',
  }),
}

/**
 * `--daemon`: starts the detached copy and says where its files are.
 *
 * @throws FlagValueError, AlreadyRunningError, DaemonStartError, UnsafeFileError (the command's error table maps them).
 */
export async function runDaemonized(command: Command, fleet: string, readyTimeout: string): Promise<void> {
  const paths = fleetPaths(fleet, {dataDir: command.config.dataDir})
  const readyTimeoutSeconds = secondsFlag('--ready-timeout', readyTimeout)
  const readyTimeoutMs = readyTimeoutSeconds === undefined ? 60_000 : toMs(readyTimeoutSeconds)
  // Only --daemon needs the launcher (and, through it, the control client and the log reader).
  const {launchDaemon} = await import('../control/launch-daemon.js')
  const started = await launchDaemon({argv: process.argv.slice(1), paths, readyTimeoutMs})
  if (started.replaced) command.warn(`replaced a stale pid file (${started.replaced})`)
  command.log(`fleet ${fleet} is running in the background (pid ${started.pid}); every worker is ready
  pid file: ${paths.pidFile}
  socket:   ${paths.socket}
  log:      ${paths.logFile}
decnet fleet status ${fleet} · decnet fleet logs ${fleet} · decnet fleet stop ${fleet}`)
}

/** What the detached copy (`--daemon-child`) calls once the fleet is ready, to tell the launcher; loaded only there. */
export async function launcherNotifier(): Promise<() => void> {
  return (await import('../control/launch-daemon.js')).notifyLauncher
}

/**
 * Runs the supervisor until it has stopped: SIGTERM and SIGINT stop it (a
 * second one: at once), and so does a `stop` on its control socket, open so that `decnet fleet
 * status` and `stop` reach it; closes the socket (telling `stop` how the fleet
 * ended) when it is done. In the foreground a socket that cannot be opened is
 * a warning; in a daemon (`daemonChild`) it is fatal, and the pid file is
 * removed at the end.
 */
export async function serveFleet(command: Command, supervisor: Supervisor, daemonChild: boolean): Promise<FleetOutcome> {
  const paths = fleetPaths(supervisor.snapshot().fleet, {dataDir: command.config.dataDir})
  let control
  try {
    control = await openControl(paths, supervisor)
  } catch (error) {
    if (daemonChild) command.error((error as Error).message, {exit: exitFor(error)?.exit ?? ExitCode.FAILURE})
    command.warn(`${(error as Error).message}; running without a control socket (decnet fleet status and stop will not see this fleet)`)
  }

  const onTerm = () => supervisor.stop('SIGTERM')
  const onInt = () => supervisor.stop('SIGINT')
  process.on('SIGTERM', onTerm).on('SIGINT', onInt)
  const outcome = await supervisor.run()
  process.off('SIGTERM', onTerm).off('SIGINT', onInt)
  await control?.close({code: outcome.code, killed: outcome.killed, reason: outcome.reason})
  if (daemonChild) releasePidFile(paths.pidFile, process.pid)
  return outcome
}
