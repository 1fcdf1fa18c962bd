/**
 * The environment children get: an allow-list, not everything the master
 * holds. A master started from an operator's shell may carry PGPASSWORD,
 * AWS_* keys or tokens that a worker parsing attacker-controlled text must
 * never see.
 */

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

/** A user account's name and home directory, from /etc/passwd. */
export interface Account {
  readonly name: string
  readonly home: string
}

/** True when the master's variable `name` may pass to children. */
export function isAllowedEnvName(name: string): boolean {
  return ALLOWED_ENV_NAMES.includes(name) || ALLOWED_ENV_PREFIXES.some((prefix) => name.startsWith(prefix))
}

/**
 * The environment of a child: the allowed part of `parent`, then `extra`
 * (which wins), then, when the child runs as another user, that user's
 * HOME, USER and LOGNAME.
 *
 * @example
 * ```ts
 * childEnvironment(process.env, {DECNET_DB_URL: url})  // no PGPASSWORD, no AWS_SECRET_ACCESS_KEY
 * ```
 */
export function childEnvironment(
  parent: NodeJS.ProcessEnv,
  extra: Readonly<Record<string, string>> = {},
  account?: Account,
): Record<string, string> {
  const env: Record<string, string> = {}
  for (const [name, value] of Object.entries(parent)) {
    if (value !== undefined && isAllowedEnvName(name)) env[name] = value
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
