/**
 * What `decnet attack show` says about one technique: the catalog's entry
 * (name, tactics, URL, platforms, revocation, the groups known to use it)
 * and the attackers decnet tagged with it.
 */
import type {AttackCatalog} from './attack-catalog.js'

import {escapeControl} from '../ingest/escape-control.js'

/** One attacker seen using the technique (see `readTechniqueAttackers`). */
export interface SeenAttacker {
  readonly ip: string
  readonly events: number
  readonly firstSeen: string
  readonly lastSeen: string
}

/** One technique, as `decnet attack show` reports it. */
export interface TechniqueReport {
  /** The ATT&CK release of the catalog in use. */
  readonly attackVersion: string
  readonly id: string
  readonly name: string
  readonly url: string
  readonly stixId: string
  readonly platforms: readonly string[]
  readonly tactics: ReadonlyArray<{readonly id: string; readonly name: string}>
  readonly revoked: boolean
  readonly deprecated: boolean
  /** For a revoked technique: the one that stands for it today. */
  readonly replacedBy: null | {readonly id: string; readonly name: string}
  readonly groups: ReadonlyArray<{readonly id: string; readonly name: string; readonly url: string}>
  readonly attackers: readonly SeenAttacker[]
}

/**
 * The catalog's part of the report on `id` (case-insensitive), with no
 * attackers yet; undefined when the catalog does not know `id`.
 *
 * @example
 * ```ts
 * describeTechnique(catalog, 't1059.004')?.name // 'Command and Scripting Interpreter: Unix Shell'
 * ```
 */
export function describeTechnique(catalog: AttackCatalog, id: string): TechniqueReport | undefined {
  const technique = catalog.technique(id.trim())
  if (technique === undefined) return undefined
  const current = technique.revoked ? catalog.current(technique.id) : undefined
  return {
    attackVersion: catalog.version,
    attackers: [],
    deprecated: technique.deprecated,
    groups: technique.groups.flatMap((groupId) => {
      const group = catalog.group(groupId)
      return group === undefined ? [] : [{id: group.id, name: group.name, url: group.url}]
    }),
    id: technique.id,
    name: technique.name,
    platforms: technique.platforms,
    replacedBy: current === undefined ? null : {id: current.id, name: current.name},
    revoked: technique.revoked,
    stixId: technique.stixId,
    tactics: technique.tactics.map((tacticId) => ({id: tacticId, name: catalog.tactic(tacticId)?.name ?? tacticId})),
    url: technique.url,
  }
}

/** The report as text for a terminal (attacker-supplied text escaped). */
export function formatTechniqueReport(report: TechniqueReport): string {
  const lines = [`${report.id}  ${report.name}`]
  if (report.revoked) lines.push(`  REVOKED: replaced by ${report.replacedBy === null ? 'nothing' : `${report.replacedBy.id} (${report.replacedBy.name})`}`)
  if (report.deprecated) lines.push('  DEPRECATED')
  lines.push(
    `  tactics:   ${report.tactics.map((tactic) => `${tactic.id} ${tactic.name}`).join(', ') || '-'}`,
    `  platforms: ${report.platforms.join(', ') || '-'}`,
    `  url:       ${report.url}`,
    `  ATT&CK:    ${report.attackVersion} (${report.stixId})`,
    '',
    `Groups known to use it (${report.groups.length}):`,
  )
  for (const group of report.groups) lines.push(`  ${group.id}  ${group.name}`)
  if (report.groups.length === 0) lines.push('  none recorded')
  lines.push('', `Attackers decnet saw using it (${report.attackers.length}):`)
  for (const attacker of report.attackers) {
    lines.push(`  ${escapeControl(attacker.ip).padEnd(39)}  ${String(attacker.events).padStart(6)} events  ${attacker.firstSeen} .. ${attacker.lastSeen}`)
  }

  if (report.attackers.length === 0) lines.push('  none')
  return `${lines.join('\n')}\n`
}
