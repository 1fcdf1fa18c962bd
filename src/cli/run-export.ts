import type {ExportContext, ExportSummary} from '../export/exported-attackers.js'
import type {DatabaseCommandHost} from './chosen-database.js'

import {withChosenDatabase} from './chosen-database.js'
import {exportFilter} from './export-flags.js'
import {writeOut} from './write-out.js'
import {UnknownAttackerError} from '../attackers/errors.js'
import {missingAttackers} from '../attackers/read-attacker-pages.js'
import {openExportOutput} from '../export/export-output.js'
import {readCatalog} from '../ttp/attack-catalog.js'
import {chooseCatalog} from '../ttp/catalog-store.js'

/** What an export command was given. */
export interface ExportInput {
  readonly argv: readonly string[]
  readonly flags: {db?: string; output?: string; since?: string; until?: string}
}

/**
 * The body of every `decnet export FORMAT`: reads the filter, the catalog
 * in use and the database, checks that each IP named has a profile, and runs
 * `exporter` into standard output or `--output` (renamed into place only
 * when the export is whole). Says on standard error what went to a file.
 *
 * @throws FlagValueError, UnknownAttackerError, CatalogError, DatabaseError, ExportOutputError: all in the error table.
 * @example
 * ```ts
 * await runExport(this, {argv, flags}, (context) => exportNavigator(context))
 * ```
 */
export async function runExport<R extends ExportSummary>(command: DatabaseCommandHost, input: ExportInput, exporter: (context: ExportContext) => Promise<R>): Promise<R> {
  const filter = exportFilter(input.argv, input.flags)
  const catalog = await readCatalog(chooseCatalog(command.config.dataDir).path)
  const summary = await withChosenDatabase(command, {access: 'read', flag: input.flags.db}, async (db) => {
    const [missing] = await missingAttackers(db, filter.ips ?? [])
    if (missing !== undefined) throw new UnknownAttackerError(missing)
    const out = await openExportOutput(input.flags.output, (text) => writeOut(text))
    try {
      const done = await exporter({catalog, db, filter, write: (text) => out.write(text)})
      await out.finish()
      return done
    } catch (error) {
      await out.abort()
      throw error
    }
  })
  if (input.flags.output !== undefined && input.flags.output !== '-') {
    process.stderr.write(`wrote ${summary.attackers} attacker(s) to ${input.flags.output} (ATT&CK ${summary.attackVersion})\n`)
  }

  return summary
}
