/**
 * One attacker as MISP attributes, objects and galaxy tags (pure): its IP as
 * `ip-src`, the files it left as `filename|sha256` (or `sha256`), its latest
 * commands as `text`, the credentials it tried as `credential` objects, and
 * a `misp-galaxy:mitre-attack-pattern` tag per technique. UUIDs are UUIDv5
 * of what each entry stands for.
 */
import type {AttackCatalog} from '../ttp/attack-catalog.js'
import type {ExportedAttacker} from './exported-attackers.js'

import {mispFingerprint} from './misp-fingerprint.js'
import {laterOf, stixTime} from './stix-objects.js'
import {DECNET_NAMESPACE, labelTechnique} from './technique-label.js'
import {uuidV5} from './uuid-v5.js'

/** A MISP tag. */
export interface MispTag {
  readonly name: string
}

/** What one attacker contributes to an event. */
export interface MispParts {
  readonly attributes: ReadonlyArray<Record<string, unknown>>
  readonly objects: ReadonlyArray<Record<string, unknown>>
  /** Its techniques' galaxy tags. */
  readonly tags: readonly MispTag[]
}

/**
 * The MISP ATT&CK galaxy tag of technique `id`:
 * `misp-galaxy:mitre-attack-pattern="<name> - <ID>"`, named as MISP's galaxy
 * names it (a sub-technique by its own name: `Unix Shell - T1059.004`).
 */
export function galaxyTag(catalog: AttackCatalog, id: string): MispTag {
  const label = labelTechnique(catalog, id)
  const parent = label.id.includes('.') ? catalog.technique(label.id.slice(0, label.id.indexOf('.'))) : undefined
  const name = parent !== undefined && label.name.startsWith(`${parent.name}: `) ? label.name.slice(parent.name.length + 2) : label.name
  return {name: `misp-galaxy:mitre-attack-pattern="${name.replaceAll('"', "'")} - ${label.id}"`}
}

/** The attributes, objects and tags of one attacker. */
export function mispParts(exported: ExportedAttacker, catalog: AttackCatalog): MispParts {
  const {attacker, sightings} = exported
  const {ip} = attacker
  const first = stixTime(attacker.firstSeen)
  const last = stixTime(attacker.lastSeen)
  const tags = sightings.map((sighting) => galaxyTag(catalog, sighting.techniqueId))
  const uuid = (key: string) => uuidV5(DECNET_NAMESPACE, `misp|${ip}|${key}`)
  const attributes: Array<Record<string, unknown>> = [
    {
      uuid: uuid('ip-src'), type: 'ip-src', category: 'Network activity', to_ids: true, value: ip, first_seen: first, last_seen: last < first ? first : last,
      comment: `decnet attacker: ${attacker.eventCount} events, services ${attacker.services.join(', ') || 'none'}, deckies ${attacker.deckies.join(', ') || 'none'}${attacker.behavior === null ? '' : `, behaviour ${attacker.behavior.class}`}`,
      Tag: tags,
    },
  ]
  for (const file of attacker.artifacts) {
    const sha256 = file.sha256 !== null && /^[0-9a-f]{64}$/i.test(file.sha256) ? file.sha256.toLowerCase() : null
    if (sha256 === null) continue
    const name = file.path === null ? file.storedAs : file.path.slice(file.path.lastIndexOf('/') + 1) || file.storedAs
    const at = stixTime(file.timestamp)
    attributes.push({
      uuid: uuid(`file|${at}|${sha256}`), type: name === null ? 'sha256' : 'filename|sha256', category: 'Payload delivery', to_ids: true,
      value: name === null ? sha256 : `${name.replaceAll('|', '_')}|${sha256}`, first_seen: at, last_seen: at,
      comment: `captured on ${file.decky} (${file.service})${file.path === null ? '' : ` at ${file.path}`}`,
    })
  }

  for (const command of attacker.commands) {
    const at = stixTime(command.timestamp)
    attributes.push({
      uuid: uuid(`command|${at}|${command.command}`), type: 'text', category: 'Other', to_ids: false, value: command.command, first_seen: at, last_seen: at,
      comment: `command run on ${command.decky} (${command.service})`,
    })
  }

  for (const fingerprint of attacker.fingerprints) {
    const misp = mispFingerprint(fingerprint)
    if (misp === undefined) continue
    const seen = stixTime(fingerprint.firstSeen)
    attributes.push({
      uuid: uuid(`fingerprint|${misp.type}|${misp.value}`), type: misp.type, category: 'Network activity', to_ids: false, value: misp.value,
      first_seen: seen, last_seen: laterOf(seen, stixTime(fingerprint.lastSeen)), comment: `${fingerprint.type} fingerprint, seen ${fingerprint.count} time(s)`,
    })
  }

  const objects = attacker.credentials.map((credential) => ({
    uuid: uuid(`credential|${credential.decky}|${credential.service}|${credential.secretKind}|${credential.secretSha256}|${credential.principal ?? ''}`),
    name: 'credential',
    'meta-category': 'misc',
    description: 'A credential an attacker tried on a decky',
    comment: `${credential.attempts} attempt(s) on ${credential.decky} (${credential.service})${credential.outcome === null ? '' : `, ${credential.outcome}`}`,
    first_seen: stixTime(credential.firstSeen),
    last_seen: stixTime(credential.lastSeen),
    Attribute: [
      ...(credential.principal === null ? [] : [{object_relation: 'username', type: 'text', value: credential.principal, to_ids: false}]),
      {object_relation: 'password', type: 'text', value: credential.secret, to_ids: false},
      {object_relation: 'format', type: 'text', value: credential.secretKind, to_ids: false},
    ],
  }))
  return {attributes, objects, tags}
}
