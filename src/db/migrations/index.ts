import type {Migration} from 'kysely'

import * as initial from './0001-initial.js'
import * as logsIpTimestamp from './0002-logs-ip-timestamp.js'
import * as workerLease from './0003-worker-lease.js'
import * as authFailures from './0004-auth-failures.js'
import * as attackersHotUpdates from './0005-attackers-hot-updates.js'
import * as attackerCommandBatches from './0006-attacker-command-batches.js'
import * as ingestSources from './0007-ingest-sources.js'
import * as credentials from './0008-credentials.js'
import * as ttpTagsAttackVersion from './0010-ttp-tags-attack-version.js'
import * as fingerprints from './0011-fingerprints.js'
import * as attackerBehavior from './0012-attacker-behavior.js'
import * as attackerGeo from './0013-attacker-geo.js'
import * as smtpTargets from './0014-smtp-targets.js'
import * as authRules from './0015-auth-rules.js'
import * as alertOutbox from './0016-alert-outbox.js'
import * as reachedServices from './0017-reached-services.js'

/**
 * Every migration, by name. Names sort in the order they must run; add a
 * new file `NNNN-what.ts` and list it here (never rename or edit an applied one).
 */
export function allMigrations(): Record<string, Migration> {
  return {
    '0001-initial': initial,
    '0002-logs-ip-timestamp': logsIpTimestamp,
    '0003-worker-lease': workerLease,
    '0004-auth-failures': authFailures,
    '0005-attackers-hot-updates': attackersHotUpdates,
    '0006-attacker-command-batches': attackerCommandBatches,
    '0007-ingest-sources': ingestSources,
    '0008-credentials': credentials,
    '0010-ttp-tags-attack-version': ttpTagsAttackVersion,
    '0011-fingerprints': fingerprints,
    '0012-attacker-behavior': attackerBehavior,
    '0013-attacker-geo': attackerGeo,
    '0014-smtp-targets': smtpTargets,
    '0015-auth-rules': authRules,
    '0016-alert-outbox': alertOutbox,
    '0017-reached-services': reachedServices,
  }
}
