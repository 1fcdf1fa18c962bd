import type {FleetDefinition} from './types.js'

/**
 * The built-in `collect` fleet: DECNET's lines, live, into `logs`. Its
 * workers follow files (`follow`) and receive syslog (`receive`) as the
 * collect settings say (`<data dir>/collect.json`, docs/collect.md). Both
 * need the database only; the receiver here serves the listeners on ports
 * from 1024 up. A listener on a lower port needs CAP_NET_BIND_SERVICE, a
 * privilege the follower must not share: it is served by {@link collectBind}.
 */
export const collect: FleetDefinition = Object.freeze({
  name: 'collect',
  description: 'Follow DECNET log files and receive its syslog into the log store (database access only; ports from 1024)',
  profile: 'database',
  settings: 'collect',
  workers: [
    {name: 'follow', module: './dist/workers/collect/follow-worker.js', needs: 'database', restart: 'always', usesDatabase: true},
    {name: 'receive', module: './dist/workers/collect/receive-worker.js', needs: 'database', options: {ports: 'unprivileged'}, restart: 'always', usesDatabase: true},
  ],
}) as FleetDefinition

/**
 * The built-in `collect-bind` fleet: the syslog receiver for the collect
 * settings' listeners on ports below 1024 (514, say; 6514 is above 1024),
 * with CAP_NET_BIND_SERVICE and nothing else (profile `net-bind`), apart
 * from the follower.
 */
export const collectBind: FleetDefinition = Object.freeze({
  name: 'collect-bind',
  description: 'Receive DECNET syslog on ports below 1024 into the log store (CAP_NET_BIND_SERVICE only)',
  profile: 'net-bind',
  settings: 'collect',
  workers: [
    {name: 'receive', module: './dist/workers/collect/receive-worker.js', needs: 'net-bind', options: {ports: 'privileged'}, restart: 'always', usesDatabase: true},
  ],
}) as FleetDefinition
