/**
 * Vendor default credentials (Valid Accounts: Default Accounts, T1078.001):
 * the list is data, `data/credentials/default-credentials.json`, shipped
 * with the package; a login attempt whose plaintext principal and secret are
 * exactly a pair of it is tagged. Secrets are compared by SHA-256 of their
 * bytes, so an attempt's secret is never decoded to text here.
 */
import {createHash} from 'node:crypto'
import {readFile} from 'node:fs/promises'
import {fileURLToPath} from 'node:url'

import type {NewTtpTag} from '../../db/schema.js'
import type {CredentialUse} from './auth-events.js'
import type {CountingRule} from './counting-rules.js'

import {PLAINTEXT} from '../../logs/credential.js'
import {countingTags, shown} from './counting-tag.js'

/** One default credential. */
export interface DefaultCredential {
  readonly principal: string
  /** The plaintext secret; `""` for an empty one. */
  readonly secret: string
  /** Who ships it. */
  readonly vendor: string
}

/** The list, indexed for matching. */
export interface DefaultCredentials {
  readonly entries: readonly DefaultCredential[]
  /** `principal \n sha256(secret)` -> the entry. */
  readonly byKey: ReadonlyMap<string, DefaultCredential>
}

/** The shipped list: `data/credentials/default-credentials.json` at the package root. */
export function shippedDefaultCredentialsPath(): string {
  return fileURLToPath(new URL('../../../data/credentials/default-credentials.json', import.meta.url))
}

/**
 * Reads and checks a list (default: the shipped one).
 *
 * @throws Error naming the file and the entry that is not a `{principal, secret, vendor}` of strings.
 */
export async function readDefaultCredentials(path = shippedDefaultCredentialsPath()): Promise<DefaultCredentials> {
  const value = JSON.parse(await readFile(path, 'utf8')) as {credentials?: unknown}
  if (!Array.isArray(value.credentials)) throw new Error(`${path}: expected an object with a "credentials" array`)
  return defaultCredentials(value.credentials as unknown[], path)
}

/** A list from its entries. @throws Error naming the first entry that is not `{principal, secret, vendor}` strings. */
export function defaultCredentials(entries: readonly unknown[], where = 'default credentials'): DefaultCredentials {
  const byKey = new Map<string, DefaultCredential>()
  for (const [index, entry] of entries.entries()) {
    const {principal, secret, vendor} = (entry ?? {}) as Record<string, unknown>
    if (typeof principal !== 'string' || principal === '' || typeof secret !== 'string' || typeof vendor !== 'string') {
      throw new Error(`${where}: credentials[${index}] must be {"principal": non-empty string, "secret": string, "vendor": string}`)
    }

    byKey.set(keyOf(principal, createHash('sha256').update(secret, 'utf8').digest('hex')), Object.freeze({principal, secret, vendor}))
  }

  return Object.freeze({byKey, entries: Object.freeze([...byKey.values()])})
}

/**
 * The tags for the credential uses of a batch whose plaintext pair is in `list`.
 *
 * @example
 * ```ts
 * defaultCredentialTags(uses, await readDefaultCredentials(), rule, '18.1')
 * ```
 */
export function defaultCredentialTags(uses: readonly CredentialUse[], list: DefaultCredentials, rule: CountingRule, attackVersion: null | string): NewTtpTag[] {
  const tags: NewTtpTag[] = []
  for (const use of uses) {
    if (use.secretKind !== PLAINTEXT || use.principal === null) continue
    const entry = list.byKey.get(keyOf(use.principal, use.secretSha256))
    if (entry === undefined) continue
    const secret = entry.secret === '' ? '(empty)' : shown(entry.secret)
    const evidence = `default credential ${shown(entry.principal)} / ${secret} (${entry.vendor}) on ${shown(use.target, 64)}${use.succeeded ? ', login succeeded' : ''}`
    tags.push(...countingTags(rule, use, evidence, attackVersion))
  }

  return tags
}

function keyOf(principal: string, sha256: string): string {
  return `${principal}\n${sha256}`
}
