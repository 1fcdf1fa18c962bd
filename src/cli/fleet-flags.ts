/**
 * The flags of `decnet fleet NAME`, defined once: the oclif command uses them,
 * `oclif manifest` writes them to oclif.manifest.json, and the lean path of
 * bin/run.js parses argv from that manifest (src/cli/lean-fleet-argv.ts).
 */
import * as Flags from '@oclif/core/flags'

import {ExitCode} from '../exit-codes.js'
import {databaseFlag} from './database-command.js'
import {maxMemoryFlag} from './max-memory-flag.js'

const seconds = (summary: string, fallback?: string) => Flags.string({default: fallback, helpValue: 'SECONDS', summary})

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

/** The flags of `decnet fleet NAME` that are durations, in seconds as typed (read by `fleetTiming`). */
export const fleetTimingFlags = {
  grace: seconds('How long workers get to stop after SIGTERM before SIGKILL.', '15'),
  interval: seconds("Passed to every worker as its 'interval' option."),
  'max-backoff': seconds('Cap of the restart delay (1 s, doubling, with jitter).', '30'),
  watchdog: seconds('Kill and restart a worker silent for this long; 0 disables.', '30'),
}

/** The flags of `decnet fleet NAME` for alerts (heavy: a signed JSON POST per new attacker and per technique an attacker did not have; docs/webhooks.md). */
export const webhookFlags = {
  webhook: Flags.string({
    helpValue: 'URL',
    summary: `heavy: POST a signed JSON alert to this http:// or https:// URL when an attacker is first seen or uses a technique it had not (default $DECNET_WEBHOOK_URL; exit ${ExitCode.WEBHOOK} when unusable).`,
  }),
  'webhook-secret-file': Flags.string({helpValue: 'FILE', summary: 'With --webhook: the HMAC-SHA256 signing secret, read from FILE (default $DECNET_WEBHOOK_SECRET; never on the command line).'}),
  'webhook-ca': Flags.string({
    helpValue: 'FILE',
    summary: `With an https:// --webhook: check the receiver's TLS certificate against the CA certificates in FILE (PEM) instead of the system's (a private CA; exit ${ExitCode.WEBHOOK} when FILE cannot be used).`,
  }),
  'webhook-max-queue': Flags.string({helpValue: 'N', summary: 'With --webhook: alerts kept waiting for the receiver at most; past it the oldest are dropped, with a warning (default 10000).'}),
  'webhook-max-backoff': Flags.string({helpValue: 'SECONDS', summary: 'With --webhook: the longest wait between two attempts while the receiver fails (1 s, doubling; default 300).'}),
  'webhook-timeout': Flags.string({helpValue: 'SECONDS', summary: 'With --webhook: how long one delivery may take (default 10).'}),
}

/** Every flag of `decnet fleet NAME`. */
export const fleetFlags = {
  ...daemonFlags,
  ...fleetTimingFlags,
  'asn-db': Flags.string({
    helpValue: 'FILE',
    summary: "An ASN database (MaxMind format: GeoLite2-ASN, DB-IP ASN); passed to every worker as its 'asnDb' option: heavy's profiler adds each attacker's AS.",
  }),
  'geoip-db': Flags.string({
    helpValue: 'FILE',
    summary: "A country or city database (MaxMind format: GeoLite2-Country/City, DB-IP); passed to every worker as its 'geoipDb' option: heavy's profiler adds each attacker's country.",
  }),
  'allow-root': Flags.boolean({summary: "Run as root even though the fleet's profile does not need it (warns loudly)."}),
  db: databaseFlag,
  follow: Flags.string({helpValue: 'FILE', multiple: true, summary: 'collect: follow this file instead of the settings\' `follow` list (repeatable).'}),
  listen: Flags.string({helpValue: 'PROTO://IP[:PORT]', multiple: true, summary: 'collect, collect-bind: listen here instead of the settings\' `listen` list (repeatable).'}),
  'max-memory': maxMemoryFlag("Restart a worker whose resident memory (RSS) exceeds this many MiB (overrides the fleet's limits)."),
  once: Flags.boolean({summary: 'Every worker does one pass and exits; exit 0 if all succeeded. Nothing restarts.'}),
  user: Flags.string({helpValue: 'NAME', summary: "Run the workers as this user and its primary group (needs root)."}),
  ...webhookFlags,
}
