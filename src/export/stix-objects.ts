/**
 * One attacker as STIX 2.1 objects (pure): its address, its activity, a
 * threat-actor, the techniques it used, the files it left, the mail domains
 * it tried to reach, the commands it ran and the credentials it tried. Every id is a UUIDv5 of what the object
 * stands for, so an export run twice names its objects the same; the
 * cyber-observables' ids follow STIX 2.1 §2.9 (the SCO namespace over the
 * canonical JSON of their identifying properties).
 */
import {isIPv6} from 'node:net'

import type {AttackerBehavior} from '../attackers/attacker-behavior.js'
import type {AttackerCommand, AttackerCredential, AttackerFile, AttackerFingerprint, AttackerSmtpTarget} from '../attackers/attacker-profile.js'
import type {ExportedAttacker} from './exported-attackers.js'
import type {TechniqueLabel} from './technique-label.js'

import {DECNET_NAMESPACE} from './technique-label.js'
import {uuidV5} from './uuid-v5.js'

/** A STIX object, as written. */
export type StixObject = Readonly<Record<string, unknown>> & {readonly id: string; readonly type: string}

/** STIX 2.1's namespace for cyber-observable ids. */
const SCO_NAMESPACE = '00abedb4-aa42-41fe-9b6d-32a8e6c6f1f8'

/** STIX counts stop at 999,999,999. */
const MAX_COUNT = 999_999_999

/** When decnet's identity object was first written (fixed: the identity does not change between exports). */
const IDENTITY_TIME = '2026-01-01T00:00:00.000Z'

/** decnet itself: the producer every object names (`created_by_ref`) and where every sighting was made. */
export const DECNET_IDENTITY: StixObject = Object.freeze({
  type: 'identity',
  spec_version: '2.1',
  id: `identity--${uuidV5(DECNET_NAMESPACE, 'identity|decnet')}`,
  created: IDENTITY_TIME,
  modified: IDENTITY_TIME,
  name: 'decnet',
  description: 'decnet: the command-line companion of the DECNET honeypot platform; it profiled and tagged these attackers.',
  identity_class: 'system',
})

/** What {@link attackerObjects} adds. */
export interface AttackerObjectOptions {
  /** An indicator (an IP pattern) per attacker, and `indicates` it. */
  readonly indicators?: boolean
  /** The ATT&CK release, recorded on each attack-pattern. */
  readonly attackVersion: string
}

/** The attack-pattern for a technique (MITRE's id, name, kill chain phases and reference). */
export function attackPatternObject(label: TechniqueLabel, tacticShortnames: readonly string[], options: AttackerObjectOptions): StixObject {
  // MITRE's object, by MITRE's id; its times are not in the compact catalog, so the catalog release's date stands for them
  return {
    type: 'attack-pattern',
    spec_version: '2.1',
    id: label.stixId,
    created: CATALOG_TIME,
    modified: CATALOG_TIME,
    name: label.name,
    external_references: [{source_name: 'mitre-attack', external_id: label.id, url: label.url}],
    ...(tacticShortnames.length > 0 && {kill_chain_phases: tacticShortnames.map((phase) => ({kill_chain_name: 'mitre-attack', phase_name: phase}))}),
    x_decnet_attack_version: options.attackVersion,
  }
}

/** The date written on attack-patterns as their creation and modification (the compact catalog has no object times). */
const CATALOG_TIME = '2025-10-28T00:00:00.000Z'

/**
 * Every object one attacker contributes, attack-patterns aside (they are
 * shared: see {@link attackPatternObject}); `labels` names each of its
 * techniques.
 */
export function* attackerObjects(exported: ExportedAttacker, labels: ReadonlyMap<string, TechniqueLabel>, options: AttackerObjectOptions): Generator<StixObject> {
  const {attacker, sightings} = exported
  const {ip} = attacker
  const first = stixTime(attacker.firstSeen)
  const last = laterOf(first, stixTime(attacker.lastSeen))
  const common = (type: string, key: string, created = first, modified = last) => ({
    type, spec_version: '2.1', id: `${type}--${uuidV5(DECNET_NAMESPACE, `${type}|${key}`)}`, created_by_ref: DECNET_IDENTITY.id, created, modified,
  })
  const address = sco(isIPv6(ip) ? 'ipv6-addr' : 'ipv4-addr', {value: ip})
  yield address
  const activity = {...common('observed-data', `activity|${ip}`), first_observed: first, last_observed: last, number_observed: count(attacker.eventCount, 1), object_refs: [address.id]}
  yield activity
  const actor = {
    ...common('threat-actor', ip),
    name: `decnet attacker ${ip}`,
    description: `An attacker decnet saw from ${ip}: ${attacker.eventCount} events on ${attacker.deckies.length} decky(ies).`,
    threat_actor_types: ['unknown'],
    first_seen: first,
    last_seen: last,
    x_decnet_ip: ip,
    x_decnet_event_count: attacker.eventCount,
    x_decnet_auth_attempts: attacker.authAttempts,
    x_decnet_command_count: attacker.commandCount,
    x_decnet_credential_count: attacker.credentialCount,
    x_decnet_services: attacker.services,
    x_decnet_deckies: attacker.deckies,
    ...(attacker.traversalPath !== null && {x_decnet_traversal_path: attacker.traversalPath}),
    ...(attacker.country !== null && {x_decnet_country_code: attacker.country}),
    ...(attacker.asn !== null && {x_decnet_asn: attacker.asn}),
    ...(attacker.asName !== null && {x_decnet_as_name: attacker.asName}),
    ...behaviorProperties(attacker.behavior),
    ...fingerprintProperties(attacker.fingerprints, attacker.fingerprintCount),
  }
  yield actor
  yield {
    ...common('sighting', `actor|${ip}`),
    sighting_of_ref: actor.id, first_seen: first, last_seen: last, count: count(attacker.eventCount, 0),
    observed_data_refs: [activity.id], where_sighted_refs: [DECNET_IDENTITY.id],
  }
  for (const sighting of sightings) {
    const label = labels.get(sighting.techniqueId)
    if (label === undefined) continue
    const seen = stixTime(sighting.firstSeen)
    const lastSeen = laterOf(seen, stixTime(sighting.lastSeen))
    yield {...common('relationship', `uses|${ip}|${label.id}`), relationship_type: 'uses', source_ref: actor.id, target_ref: label.stixId}
    yield {
      ...common('sighting', `technique|${ip}|${label.id}`, seen, lastSeen),
      sighting_of_ref: label.stixId, first_seen: seen, last_seen: lastSeen, count: count(sighting.count, 0),
      observed_data_refs: [activity.id], where_sighted_refs: [DECNET_IDENTITY.id],
      x_decnet_technique_id: sighting.techniqueId, x_decnet_tactics: sighting.tactics,
    }
  }

  yield* fileObjects(attacker.artifacts, address.id, ip, common)
  yield* smtpTargetObjects(attacker.smtpTargets, address.id, ip, common)
  yield* commandObjects(attacker.commands, attacker.commandCount, address.id, ip, common)
  yield* credentialObjects(attacker.credentials, address.id, ip, common)
  if (options.indicators) {
    const indicator = {
      ...common('indicator', ip),
      name: `decnet attacker ${ip}`,
      description: `An address decnet's honeypots saw attacking (${attacker.eventCount} events).`,
      indicator_types: ['malicious-activity'],
      pattern: `[${address.type}:value = '${ip}']`,
      pattern_type: 'stix',
      valid_from: first,
    }
    yield indicator
    yield {...common('relationship', `indicates|${ip}`), relationship_type: 'indicates', source_ref: indicator.id, target_ref: actor.id}
  }
}

type Common = (type: string, key: string, created?: string, modified?: string) => {type: string; spec_version: string; id: string; created_by_ref: string; created: string; modified: string}

function* fileObjects(files: readonly AttackerFile[], addressId: string, ip: string, common: Common): Generator<StixObject> {
  const written = new Set<string>()
  for (const file of files) {
    const sha256 = file.sha256 !== null && /^[0-9a-f]{64}$/i.test(file.sha256) ? file.sha256.toLowerCase() : null
    const name = baseName(file.path) ?? file.storedAs
    if (sha256 === null && name === null) continue
    const object = sco('file', {...(sha256 !== null && {hashes: {'SHA-256': sha256}}), ...(name !== null && {name})}, {...(file.size !== null && {size: file.size}), ...(file.path !== null && {x_decnet_path: file.path})})
    if (!written.has(object.id)) {
      written.add(object.id)
      yield object
    }

    const at = stixTime(file.timestamp)
    yield {...common('observed-data', `file|${ip}|${at}|${object.id}`, at, at), first_observed: at, last_observed: at, number_observed: 1, object_refs: [addressId, object.id]}
  }
}

/** Each SMTP target domain: a `domain-name`, and an `observed-data` of the attempts (RCPT TO lines and accepted messages) on it. */
function* smtpTargetObjects(targets: readonly AttackerSmtpTarget[], addressId: string, ip: string, common: Common): Generator<StixObject> {
  for (const target of targets) {
    const domain = sco('domain-name', {value: target.domain})
    yield domain
    const first = stixTime(target.firstSeen)
    const last = laterOf(first, stixTime(target.lastSeen))
    yield {
      ...common('observed-data', `smtp-target|${ip}|${target.domain}`, first, last),
      first_observed: first, last_observed: last, number_observed: count(target.count + target.messages, 1), object_refs: [addressId, domain.id],
      x_decnet_rcpt_count: target.count, x_decnet_message_count: target.messages,
    }
  }
}

function* commandObjects(commands: readonly AttackerCommand[], total: number, addressId: string, ip: string, common: Common): Generator<StixObject> {
  if (commands.length === 0) return
  const refs = new Set<string>()
  for (const command of commands) {
    const object = sco('process', {command_line: command.command})
    if (refs.has(object.id)) continue
    refs.add(object.id)
    yield object
  }

  const first = stixTime(commands[0].timestamp)
  const last = laterOf(first, stixTime(commands.at(-1)!.timestamp))
  yield {...common('observed-data', `commands|${ip}`, first, last), first_observed: first, last_observed: last, number_observed: count(total, 1), object_refs: [addressId, ...refs]}
}

function* credentialObjects(credentials: readonly AttackerCredential[], addressId: string, ip: string, common: Common): Generator<StixObject> {
  const refs = new Set<string>()
  let first: string | undefined
  let last: string | undefined
  let attempts = 0
  for (const credential of credentials) {
    const plaintext = credential.secretKind === 'plaintext'
    if (credential.principal === null && !plaintext) continue
    const object = sco(
      'user-account',
      {...(credential.principal !== null && {account_login: credential.principal}), x_decnet_secret_sha256: credential.secretSha256},
      {...(plaintext && {credential: credential.secret}), x_decnet_secret_kind: credential.secretKind, x_decnet_service: credential.service},
    )
    if (refs.has(object.id)) continue
    refs.add(object.id)
    yield object
    const seen = stixTime(credential.firstSeen)
    if (first === undefined || seen < first) first = seen
    const lastSeen = stixTime(credential.lastSeen)
    if (last === undefined || lastSeen > last) last = lastSeen
    attempts += credential.attempts
  }

  if (first === undefined || last === undefined) return
  yield {...common('observed-data', `credentials|${ip}`, first, laterOf(first, last)), first_observed: first, last_observed: laterOf(first, last), number_observed: count(attempts, 1), object_refs: [addressId, ...refs]}
}

/** A cyber-observable whose id is STIX's UUIDv5 over `identifying` (canonical JSON), with `more` properties besides. */
function sco(type: string, identifying: Record<string, unknown>, more: Record<string, unknown> = {}): StixObject {
  return {type, spec_version: '2.1', id: `${type}--${uuidV5(SCO_NAMESPACE, canonicalJson(identifying))}`, ...identifying, ...more}
}

/** JSON with object keys sorted (RFC 8785 for the strings, integers and objects exports name). */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map((item) => canonicalJson(item)).join(',')}]`
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    return `{${entries.map(([key, item]) => `${JSON.stringify(key)}:${canonicalJson(item)}`).join(',')}}`
  }

  return JSON.stringify(value)
}

/**
 * `text` as a STIX timestamp (UTC, milliseconds, `Z`); a time that does not
 * parse becomes the epoch rather than an invalid object.
 */
export function stixTime(text: string): string {
  const time = Date.parse(text)
  return Number.isFinite(time) ? new Date(time).toISOString() : new Date(0).toISOString()
}

/** The threat-actor's behaviour properties: the class, and the beacon, tools and OS guessed where there are. */
function behaviorProperties(behavior: AttackerBehavior | null): Record<string, unknown> {
  if (behavior === null) return {}
  const {beacon, os, toolGuesses} = behavior
  return {
    x_decnet_behavior_class: behavior.class,
    ...(beacon !== null && {x_decnet_beacon: {interval_s: beacon.intervalS, jitter_pct: beacon.jitterPct}}),
    ...(toolGuesses.length > 0 && {x_decnet_tool_guesses: toolGuesses}),
    ...(os.guess !== null && {x_decnet_os_guess: os.guess}),
    ...(os.hopDistance !== null && {x_decnet_hop_distance: os.hopDistance}),
  }
}

/** Fingerprints a threat-actor carries at most (the first of `attackers show`'s order: family by family, the most seen first). */
const STIX_FINGERPRINTS = 100

/** The threat-actor's fingerprint properties: how many, and the first {@link STIX_FINGERPRINTS}. */
function fingerprintProperties(fingerprints: readonly AttackerFingerprint[], total: number): Record<string, unknown> {
  if (fingerprints.length === 0) return {}
  return {
    x_decnet_fingerprint_count: total,
    x_decnet_fingerprints: fingerprints.slice(0, STIX_FINGERPRINTS).map((f) => ({type: f.type, value: f.value, count: f.count, first_seen: stixTime(f.firstSeen), last_seen: laterOf(stixTime(f.firstSeen), stixTime(f.lastSeen))})),
  }
}

/** `last`, or `first` when `last` is earlier (a range never runs backwards). */
export function laterOf(first: string, last: string): string {
  return last < first ? first : last
}

function count(value: number, min: number): number {
  return Math.min(MAX_COUNT, Math.max(min, Math.trunc(value)))
}

function baseName(path: null | string): null | string {
  if (path === null) return null
  const name = path.slice(path.lastIndexOf('/') + 1)
  return name === '' ? null : name
}
