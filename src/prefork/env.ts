/**
 * The environment children get: an allow-list, not everything the master
 * holds. A master started from an operator's shell may carry AWS_* keys or
 * tokens that a worker parsing attacker-controlled text must never see, and
 * database passwords that only the workers which connect to the database
 * need (see {@link DATABASE_ENV_NAMES}).
 */

import type {PrivilegeProfile} from '../fleets/types.js'

import {passwdEntries} from './passwd.js'

/** Variables children inherit from the master, by exact name. */
export const ALLOWED_ENV_NAMES: readonly string[] = Object.freeze([
  'DEBUG',
  'FORCE_COLOR',
  'HOME',
  'LANG',
  'LANGUAGE',
  'LOGNAME',
  'NODE_EXTRA_CA_CERTS',
  'NODE_OPTIONS',
  'NO_COLOR',
  'PATH',
  'TERM',
  'TMPDIR',
  'TZ',
  'USER',
])

/** Variables children inherit from the master, by prefix (`LC_ALL`, `DEBUG_COLORS`, every `DECNET_*`). */
export const ALLOWED_ENV_PREFIXES: readonly string[] = Object.freeze(['DEBUG_', 'DECNET_', 'LC_'])

/**
 * libpq's connection settings (the standard `PG*` variables of the PostgreSQL
 * documentation, "Environment Variables"), passed only to workers whose
 * profile needs a database (see {@link profileNeedsDatabase}): a password kept
 * in PGPASSWORD or a PGPASSFILE, TLS settings, a PGSERVICE. Nothing else of
 * the `PG*` family (PGDATA, PGHOST of a tool's own...) is a connection setting.
 */
export const DATABASE_ENV_NAMES: readonly string[] = Object.freeze([
  'PGAPPNAME',
  'PGCHANNELBINDING',
  'PGCLIENTENCODING',
  'PGCONNECT_TIMEOUT',
  'PGDATABASE',
  'PGDATESTYLE',
  'PGGEQO',
  'PGGSSENCMODE',
  'PGGSSLIB',
  'PGHOST',
  'PGHOSTADDR',
  'PGKRBSRVNAME',
  'PGLOADBALANCEHOSTS',
  'PGOPTIONS',
  'PGPASSFILE',
  'PGPASSWORD',
  'PGPORT',
  'PGREQUIREAUTH',
  'PGREQUIREPEER',
  'PGREQUIRESSL',
  'PGSERVICE',
  'PGSERVICEFILE',
  'PGSSLCERT',
  'PGSSLCERTMODE',
  'PGSSLCOMPRESSION',
  'PGSSLCRL',
  'PGSSLCRLDIR',
  'PGSSLKEY',
  'PGSSLMAXPROTOCOLVERSION',
  'PGSSLMINPROTOCOLVERSION',
  'PGSSLMODE',
  'PGSSLNEGOTIATION',
  'PGSSLROOTCERT',
  'PGSSLSNI',
  'PGSYSCONFDIR',
  'PGTARGETSESSIONATTRS',
  'PGTZ',
  'PGUSER',
])

/**
 * Whether workers of `profile` connect to the database, and so get libpq's
 * settings ({@link DATABASE_ENV_NAMES}). The `database` profile does, and
 * `net-bind` (a listener on a low port, such as the syslog receiver of
 * `collect-bind`, stores what it receives); the others (docker, net-raw,
 * root) keep PGPASSWORD out of reach of code that does not need it, and
 * still get `DECNET_DB_URL`.
 */
export function profileNeedsDatabase(profile: PrivilegeProfile): boolean {
  return profile === 'database' || profile === 'net-bind'
}

/** A user account's name and home directory, from /etc/passwd. */
export interface Account {
  readonly name: string
  readonly home: string
}

/** True when the master's variable `name` may pass to children. */
export function isAllowedEnvName(name: string): boolean {
  return ALLOWED_ENV_NAMES.includes(name) || ALLOWED_ENV_PREFIXES.some((prefix) => name.startsWith(prefix))
}

/** What else decides a child's environment. */
export interface ChildEnvironmentOptions {
  /** The child runs as this user: its HOME, USER and LOGNAME replace the master's. */
  readonly account?: Account
  /** The child's profile needs a database: libpq's `PG*` settings pass too ({@link DATABASE_ENV_NAMES}). */
  readonly database?: boolean
}

/**
 * The environment of a child: the allowed part of `parent` (with libpq's
 * settings when it needs a database), then `extra` (which wins), then, when
 * the child runs as another user, that user's HOME, USER and LOGNAME.
 *
 * @example
 * ```ts
 * childEnvironment(process.env, {DECNET_DB_URL: url})                    // no PGPASSWORD, no AWS_SECRET_ACCESS_KEY
 * childEnvironment(process.env, {DECNET_DB_URL: url}, {database: true})  // PGPASSWORD too, still no AWS_*
 * ```
 */
export function childEnvironment(
  parent: NodeJS.ProcessEnv,
  extra: Readonly<Record<string, string>> = {},
  options: ChildEnvironmentOptions = {},
): Record<string, string> {
  const {account, database = false} = options
  const env: Record<string, string> = {}
  for (const [name, value] of Object.entries(parent)) {
    if (value === undefined) continue
    if (isAllowedEnvName(name) || (database && DATABASE_ENV_NAMES.includes(name))) env[name] = value
  }

  Object.assign(env, extra)
  if (account) Object.assign(env, {HOME: account.home, LOGNAME: account.name, USER: account.name})
  return env
}

/**
 * The object to hand `cluster.fork(env)`. node:cluster merges `env` over the
 * master's whole `process.env`, so every master variable that `env` lacks is
 * set to `undefined` here: child_process drops undefined values.
 */
export function forkEnvironment(env: Readonly<Record<string, string>>, parent: NodeJS.ProcessEnv): Record<string, string | undefined> {
  const masked: Record<string, string | undefined> = {}
  for (const name of Object.keys(parent)) masked[name] = undefined
  return Object.assign(masked, env)
}

/**
 * Looks a uid up in /etc/passwd.
 *
 * @returns `undefined` when the uid has no entry (or there is no passwd file).
 */
export function accountOf(uid: number, passwdFile = '/etc/passwd'): Account | undefined {
  const entry = passwdEntries(passwdFile).find((candidate) => candidate.uid === uid)
  return entry && {home: entry.home, name: entry.name}
}
