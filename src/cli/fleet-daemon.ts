/**
 * The parts of `decnet fleet NAME` that deal with daemons and the control
 * socket: launching with `--daemon`, and serving a running fleet (the flags
 * are in fleet-flags.ts).
 */
import type {FleetOutcome} from '../prefork/options.js'
import type {Supervisor} from '../prefork/supervisor.js'
import type {FleetIo} from './fleet-io.js'

import {exitFor} from './error-exits.js'
import {fleetPaths} from '../control/fleet-paths.js'
import {openControl} from '../control/fleet-control.js'
import {releasePidFile} from '../control/pid-file.js'
import {ExitCode} from '../exit-codes.js'
import {millisecondsFlag} from './seconds.js'

/**
 * `--daemon`: starts the detached copy and says where its files are.
 *
 * @throws FlagValueError, AlreadyRunningError, DaemonStartError, UnsafeFileError (the command's error table maps them).
 */
export async function runDaemonized(io: FleetIo, fleet: string, readyTimeout: string): Promise<void> {
  const paths = fleetPaths(fleet, {dataDir: io.dataDir})
  const readyTimeoutMs = millisecondsFlag('--ready-timeout', readyTimeout) ?? 60_000
  // Only --daemon needs the launcher (and, through it, the control client and the log reader).
  const {launchDaemon} = await import('../control/launch-daemon.js')
  const started = await launchDaemon({argv: process.argv.slice(1), paths, readyTimeoutMs})
  if (started.replaced) await io.warn(`replaced a stale pid file (${started.replaced})`)
  io.log(`fleet ${fleet} is running in the background (pid ${started.pid}); every worker is ready
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
 * second one: at once), and so does a `stop` on its control socket; SIGHUP
 * and a `reload` there ask the workers to reload their configuration; the socket is open so that `decnet fleet
 * status` and `stop` reach it; closes the socket (telling `stop` how the fleet
 * ended) when it is done. In the foreground a socket that cannot be opened is
 * a warning; in a daemon (`daemonChild`) it is fatal, and the pid file is
 * removed at the end.
 */
export async function serveFleet(io: FleetIo, supervisor: Supervisor, daemonChild: boolean): Promise<FleetOutcome> {
  const paths = fleetPaths(supervisor.snapshot().fleet, {dataDir: io.dataDir})
  let control
  try {
    control = await openControl(paths, supervisor)
  } catch (error) {
    if (daemonChild) io.error((error as Error).message, {exit: exitFor(error)?.exit ?? ExitCode.FAILURE})
    await io.warn(`${(error as Error).message}; running without a control socket (decnet fleet status and stop will not see this fleet)`)
  }

  const onTerm = () => supervisor.stop('SIGTERM')
  const onInt = () => supervisor.stop('SIGINT')
  // SIGHUP reloads, as `decnet fleet reload` does over the socket (gunicorn's convention)
  const onHup = () => void supervisor.reload('SIGHUP')
  process.on('SIGTERM', onTerm).on('SIGINT', onInt).on('SIGHUP', onHup)
  const outcome = await supervisor.run()
  process.off('SIGTERM', onTerm).off('SIGINT', onInt).off('SIGHUP', onHup)
  await control?.close({code: outcome.code, killed: outcome.killed, reason: outcome.reason})
  if (daemonChild) releasePidFile(paths.pidFile, process.pid)
  return outcome
}
