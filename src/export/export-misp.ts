/**
 * `decnet export misp`: the attackers a filter selects as MISP event JSON,
 * written as it is read: one event for the whole set (`{"Event": ...}`:
 * attributes in one pass over the attackers, credential objects in a second,
 * so neither list is held), or with `perAttacker` one event each
 * (`{"response": [{"Event": ...}, ...]}`, as MISP's REST search answers).
 */
import {createHash} from 'node:crypto'

import type {ExportContext, ExportSummary} from './exported-attackers.js'
import type {MispTag} from './misp-event.js'

import {exportedAttackers} from './exported-attackers.js'
import {mispParts} from './misp-event.js'
import {DECNET_NAMESPACE} from './technique-label.js'
import {uuidV5} from './uuid-v5.js'

/** The latest commands of each attacker an event carries (as `text` attributes). */
export const MISP_COMMANDS = 20

/** The most tried credentials of each attacker an event carries (as `credential` objects). */
export const MISP_CREDENTIALS = 100

/** What `export misp` adds. */
export interface MispExportOptions {
  /** One event per attacker instead of one for the set. */
  readonly perAttacker?: boolean
}

const EVENT_HEAD = {threat_level_id: '2', analysis: '2', distribution: '0', published: false, Orgc: {name: 'decnet'}}

/**
 * Writes the event(s).
 *
 * @example
 * ```ts
 * await exportMisp({db, catalog, filter: {}, write: out.write}, {perAttacker: true})
 * ```
 */
export async function exportMisp(context: ExportContext, options: MispExportOptions = {}): Promise<ExportSummary> {
  return options.perAttacker ? perAttackerEvents(context) : oneEvent(context)
}

function versionTag(version: string): MispTag {
  return {name: `decnet:attack-version="${version}"`}
}

async function oneEvent(context: ExportContext): Promise<ExportSummary> {
  const {catalog, db, filter, write} = context
  const hash = createHash('sha256')
  const tags = new Map<string, MispTag>()
  let attackers = 0
  let latest = ''
  let first = true
  const item = async (value: unknown) => {
    const text = JSON.stringify(value)
    hash.update(text)
    await write(`${first ? '\n' : ',\n'}${text}`)
    first = false
  }

  await write(`{"Event":{"info":${JSON.stringify(`decnet: attackers seen by the honeypots (ATT&CK ${catalog.version})`)},${JSON.stringify(EVENT_HEAD).slice(1, -1)},"Attribute":[`)
  for await (const exported of exportedAttackers(db, filter, {commands: MISP_COMMANDS, credentials: 0})) {
    attackers++
    if (exported.attacker.lastSeen > latest) latest = exported.attacker.lastSeen
    const parts = mispParts(exported, catalog)
    for (const tag of parts.tags) tags.set(tag.name, tag)
    for (const attribute of parts.attributes) await item(attribute)
  }

  await write(']')
  await write(',"Object":[')
  first = true
  for await (const exported of exportedAttackers(db, filter, {artifacts: 0, credentials: MISP_CREDENTIALS})) {
    for (const object of mispParts({...exported, attacker: {...exported.attacker, artifacts: [], commands: []}}, catalog).objects) await item(object)
  }

  const uuid = uuidV5(DECNET_NAMESPACE, `misp-event|${hash.digest('hex')}`)
  const date = (latest === '' ? new Date().toISOString() : latest).slice(0, 10)
  await write(`],"Tag":${JSON.stringify([versionTag(catalog.version), ...[...tags.values()].sort((a, b) => (a.name < b.name ? -1 : 1))])},"date":"${date}","uuid":"${uuid}"}}\n`)
  return {attackers, attackVersion: catalog.version}
}

async function perAttackerEvents(context: ExportContext): Promise<ExportSummary> {
  const {catalog, db, filter, write} = context
  let attackers = 0
  await write('{"response":[')
  for await (const exported of exportedAttackers(db, filter, {commands: MISP_COMMANDS, credentials: MISP_CREDENTIALS})) {
    const {ip, lastSeen} = exported.attacker
    const parts = mispParts(exported, catalog)
    const event = {
      info: `decnet attacker ${ip} (ATT&CK ${catalog.version})`,
      ...EVENT_HEAD,
      date: lastSeen.slice(0, 10),
      uuid: uuidV5(DECNET_NAMESPACE, `misp-event|${ip}`),
      Attribute: parts.attributes,
      Object: parts.objects,
      Tag: [versionTag(catalog.version), ...parts.tags],
    }
    await write(`${attackers === 0 ? '\n' : ',\n'}${JSON.stringify({Event: event})}`)
    attackers++
  }

  await write(`${attackers === 0 ? '' : '\n'}]}\n`)
  return {attackers, attackVersion: catalog.version}
}
