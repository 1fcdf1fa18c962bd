import * as Args from '@oclif/core/args'
import {existsSync} from 'node:fs'

import type {TechniqueReport} from '../../ttp/technique-report.js'

import {readTechniqueAttackers} from '../../attackers/read-technique-attackers.js'
import {databaseFlag} from '../../cli/database-command.js'
import {DecnetCommand} from '../../cli/decnet-command.js'
import {chooseDatabase} from '../../db/database-choice.js'
import {withDatabase} from '../../db/open.js'
import {ExitCode} from '../../exit-codes.js'
import {readCatalog} from '../../ttp/attack-catalog.js'
import {chooseCatalog} from '../../ttp/catalog-store.js'
import {describeTechnique, formatTechniqueReport} from '../../ttp/technique-report.js'

/** `decnet attack show ID`: one ATT&CK technique, the groups known to use it and the attackers decnet saw using it. */
export default class AttackShow extends DecnetCommand {
  static override args = {
    id: Args.string({description: 'An ATT&CK technique or sub-technique id, e.g. T1059 or T1059.004.', required: true}),
  }

  static override description = `Shows a technique from the ATT&CK catalog in use (the one imported with \`decnet attack import\`, else the one shipped with decnet): its name, tactics, platforms, URL, whether it was revoked (and by what), the groups MITRE records using it, and the attackers decnet tagged with it (busiest first, at most 100; for a technique, its sub-techniques' tags count too).

An id the catalog does not know exits ${ExitCode.NOT_FOUND}. With no database yet, the attacker list is empty.`

  static override enableJsonFlag = true
  static override examples = [
    '<%= config.bin %> <%= command.id %> T1059.004',
    '<%= config.bin %> <%= command.id %> T1110 --json',
    '<%= config.bin %> <%= command.id %> T1002   # revoked: names its successor',
  ]

  static override flags = {db: databaseFlag}
  static override summary = 'Show an ATT&CK technique, the groups that use it and the attackers seen using it.'

  async run(): Promise<TechniqueReport> {
    const {args, flags} = await this.parse(AttackShow)
    const catalog = await readCatalog(chooseCatalog(this.config.dataDir).path)
    const found = describeTechnique(catalog, args.id)
    if (found === undefined) {
      this.error(`ATT&CK ${catalog.version} has no technique \`${args.id}\``, {
        exit: ExitCode.NOT_FOUND,
        suggestions: ['ids look like T1059 or T1059.004', 'a newer release may know it: `decnet attack import enterprise-attack-VERSION.json`'],
      })
    }

    const database = chooseDatabase({dataDir: this.config.dataDir, flag: flags.db})
    for (const warning of database.warnings) this.warn(warning)
    // a read-only command creates nothing: with no database file yet there is simply no one to list
    const absent = database.target.kind === 'sqlite' && !existsSync(database.target.path)
    const attackers = absent ? [] : await withDatabase(database.url, (db) => readTechniqueAttackers(db, found.id), {create: 'nothing'})
    const report = {...found, attackers}
    if (!this.jsonEnabled()) process.stdout.write(formatTechniqueReport(report))
    return report
  }
}
