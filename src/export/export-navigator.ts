/**
 * `decnet export navigator`: an ATT&CK Navigator layer (layer format 4.5)
 * of the techniques the attackers a filter selects were tagged with: one
 * entry per technique and tactic, scored by how many attackers used it,
 * with a comment naming the busiest of them. Its size follows the
 * techniques (at most the catalog's), never the attackers.
 */
import type {TechniqueTotal} from '../attackers/read-technique-totals.js'
import type {AttackCatalog} from '../ttp/attack-catalog.js'
import type {ExportContext, ExportSummary} from './exported-attackers.js'

import {countSelected} from '../attackers/read-attacker-pages.js'
import {readTechniqueTotals} from '../attackers/read-technique-totals.js'
import {labelTechnique} from './technique-label.js'

/** Attackers a technique's comment names at most (the busiest). */
export const NAVIGATOR_COMMENT_ATTACKERS = 10

/** The Navigator release whose layer format (4.5) the layer follows. */
export const NAVIGATOR_VERSION = '5.1.0'

/** One technique cell of a layer. */
export interface NavigatorTechnique {
  techniqueID: string
  tactic?: string
  score?: number
  color: string
  comment: string
  enabled: boolean
  metadata: Array<{name: string; value: string}>
  links: Array<{label: string; url: string}>
  showSubtechniques: boolean
}

/** A layer, as written. */
export interface NavigatorLayer {
  name: string
  versions: {attack: string; navigator: string; layer: string}
  domain: string
  description: string
  filters: {platforms: string[]}
  sorting: number
  layout: {layout: string; aggregateFunction: string; showID: boolean; showName: boolean; showAggregateScores: boolean; countUnscored: boolean; expandedSubtechniques: string}
  hideDisabled: boolean
  techniques: NavigatorTechnique[]
  gradient: {colors: string[]; minValue: number; maxValue: number}
  legendItems: Array<{label: string; color: string}>
  metadata: Array<{name: string; value: string}>
  links: Array<{label: string; url: string}>
  showTacticRowBackground: boolean
  tacticRowBackground: string
  selectTechniquesAcrossTactics: boolean
  selectSubtechniquesWithParent: boolean
  selectVisibleTechniques: boolean
}

/**
 * The layer for `totals` (see `readTechniqueTotals`), named for `attackers` attackers. Pure.
 *
 * @example
 * ```ts
 * navigatorLayer(catalog, await readTechniqueTotals(db, {}, 10), 42, {})
 * ```
 */
export function navigatorLayer(catalog: AttackCatalog, totals: readonly TechniqueTotal[], attackers: number, filter: ExportContext['filter']): NavigatorLayer {
  const cells = new Map<string, NavigatorTechnique>()
  const parents = new Set<string>()
  let maxScore = 1
  for (const total of totals) {
    const label = labelTechnique(catalog, total.techniqueId)
    const shortnames = [...new Set(total.tactics.flatMap((id) => catalog.tactic(id)?.shortname ?? []))]
    const named = total.top.map((entry) => `${entry.ip} (${entry.lines})`).join(', ')
    const more = total.attackers - total.top.length
    const comment = `${total.attackers} attacker(s), ${total.lines} line(s): ${named}${more > 0 ? ` and ${more} more` : ''}`
    maxScore = Math.max(maxScore, total.attackers)
    for (const tactic of shortnames.length > 0 ? shortnames : [undefined]) {
      const key = `${label.id} ${tactic ?? ''}`
      const known = cells.get(key)
      if (known !== undefined) {
        // two tagged ids (one revoked, one its successor) landing on one technique: keep the larger count
        if ((known.score ?? 0) < total.attackers) Object.assign(known, {comment, score: total.attackers})
        continue
      }

      cells.set(key, {
        techniqueID: label.id, ...(tactic !== undefined && {tactic}), score: total.attackers, color: '', comment, enabled: true,
        metadata: [{name: 'lines', value: String(total.lines)}, ...(label.revokedId === undefined ? [] : [{name: 'tagged as', value: label.revokedId}])],
        links: [{label: 'ATT&CK', url: label.url}], showSubtechniques: false,
      })
      if (label.id.includes('.')) parents.add(`${label.id.slice(0, label.id.indexOf('.'))} ${tactic ?? ''}`)
    }
  }

  // a parent shows its scored sub-techniques expanded
  for (const key of parents) {
    const [id, tactic] = key.split(' ')
    const parent = cells.get(key)
    if (parent === undefined) {
      cells.set(key, {techniqueID: id, ...(tactic !== '' && {tactic}), color: '', comment: '', enabled: true, metadata: [], links: [], showSubtechniques: true})
    } else {
      parent.showSubtechniques = true
    }
  }

  const window = [filter.since === undefined ? '' : ` since ${filter.since}`, filter.until === undefined ? '' : ` until ${filter.until}`].join('')
  return {
    name: `decnet: techniques of ${attackers} attacker(s)`,
    versions: {attack: navigatorAttackVersion(catalog), navigator: NAVIGATOR_VERSION, layer: '4.5'},
    domain: 'enterprise-attack',
    description: `ATT&CK techniques decnet tagged${window}${filter.ips === undefined ? '' : ` for ${filter.ips.length} named attacker(s)`}; score = attackers that used the technique (ATT&CK ${catalog.version}).`,
    filters: {platforms: ['Linux', 'macOS', 'Windows', 'Network Devices', 'Containers', 'IaaS', 'SaaS', 'Office Suite', 'Identity Provider', 'ESXi']},
    sorting: 3,
    layout: {layout: 'side', aggregateFunction: 'max', showID: true, showName: true, showAggregateScores: false, countUnscored: false, expandedSubtechniques: 'annotated'},
    hideDisabled: false,
    techniques: [...cells.values()].sort((a, b) => (a.techniqueID < b.techniqueID ? -1 : a.techniqueID > b.techniqueID ? 1 : (a.tactic ?? '') < (b.tactic ?? '') ? -1 : 1)),
    gradient: {colors: ['#fff7b2ff', '#fd8d3cff', '#bd0026ff'], minValue: 0, maxValue: maxScore},
    legendItems: [{label: 'used by one attacker', color: '#fff7b2ff'}, {label: `used by ${maxScore} attacker(s)`, color: '#bd0026ff'}],
    metadata: [
      {name: 'generated by', value: 'decnet export navigator'},
      {name: 'ATT&CK release', value: catalog.version},
      {name: 'attackers', value: String(attackers)},
      {name: 'techniques', value: String(totals.length)},
    ],
    links: [],
    showTacticRowBackground: false,
    tacticRowBackground: '#dddddd',
    selectTechniquesAcrossTactics: true,
    selectSubtechniquesWithParent: false,
    selectVisibleTechniques: false,
  }
}

/** The catalog's major release (`18` for `18.1`): Navigator names ATT&CK versions by their major number. */
export function navigatorAttackVersion(catalog: AttackCatalog): string {
  return catalog.version.split('.')[0]
}

/**
 * Writes the layer as JSON.
 *
 * @example
 * ```ts
 * await exportNavigator({db, catalog, filter: {since}, write: out.write})
 * ```
 */
export async function exportNavigator(context: ExportContext): Promise<ExportSummary & {techniques: number}> {
  const {catalog, db, filter} = context
  const [totals, attackers] = await Promise.all([readTechniqueTotals(db, filter, NAVIGATOR_COMMENT_ATTACKERS), countSelected(db, filter)])
  const layer = navigatorLayer(catalog, totals, attackers, filter)
  await context.write(`${JSON.stringify(layer, null, 2)}\n`)
  return {attackVersion: catalog.version, attackers, techniques: layer.techniques.length}
}
