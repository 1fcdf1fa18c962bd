import * as Args from '@oclif/core/args'

import {DecnetCommand} from '../../cli/decnet-command.js'
import {ExitCode} from '../../exit-codes.js'
import {installCatalog} from '../../ttp/catalog-store.js'
import {readStixCatalog} from '../../ttp/stix-catalog.js'

/** What `decnet attack import` did. */
export interface ImportResult {
  /** The ATT&CK release now in use. */
  readonly version: string
  /** Where the catalog was written. */
  readonly path: string
  readonly techniques: number
  readonly revoked: number
  readonly tactics: number
  readonly groups: number
}

/** `decnet attack import FILE`: make an official MITRE ATT&CK STIX 2.1 bundle the catalog in use. */
export default class AttackImport extends DecnetCommand {
  static override args = {
    file: Args.string({description: 'An Enterprise ATT&CK STIX 2.1 bundle, e.g. enterprise-attack-19.0.json from mitre-attack/attack-stix-data.', required: true}),
  }

  static override description = `Reads an Enterprise ATT&CK STIX 2.1 bundle as MITRE publishes it (techniques, sub-techniques, tactics, groups, and their uses and revoked-by relationships), checks it, and makes it the catalog decnet uses: written to attack/enterprise-attack.json in decnet's data directory (with MITRE's license beside it) as a new file renamed over the old one, never through a symbolic link. Fleets started afterwards check their rules against it; a rule that emits a technique the new release revoked keeps working, tagged with its successor (\`decnet rules check\` names the ids to update).

A file that cannot be read or is not an ATT&CK bundle exits ${ExitCode.USAGE} and leaves the catalog in use as it was.`

  static override enableJsonFlag = true
  static override examples = [
    '<%= config.bin %> <%= command.id %> enterprise-attack-19.0.json',
    '<%= config.bin %> <%= command.id %> ~/Downloads/enterprise-attack-19.0.json --json',
  ]

  static override summary = 'Make a MITRE ATT&CK STIX bundle the catalog in use.'

  async run(): Promise<ImportResult> {
    const {args} = await this.parse(AttackImport)
    const data = await readStixCatalog(args.file)
    const path = await installCatalog(this.config.dataDir, data)
    const revoked = data.techniques.filter((technique) => technique.revoked).length
    const result = {groups: data.groups.length, path, revoked, tactics: data.tactics.length, techniques: data.techniques.length, version: data.version}
    this.log(`ATT&CK ${data.version} is now in use: ${result.techniques} techniques (${revoked} revoked), ${result.tactics} tactics, ${result.groups} groups (${path})`)
    return result
  }
}
