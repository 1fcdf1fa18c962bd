import {Args, Flags, ux} from '@oclif/core'

import {migrateToLatest} from '../db/migrate.js'
import {withDatabase} from '../db/open.js'
import {chooseDatabase} from '../db/database-choice.js'
import {ExitCode} from '../exit-codes.js'
import {DEFAULT_BATCH_SIZE, INGEST_SQLITE_OPTIONS, ingest} from '../ingest/ingest.js'
import type {IngestSummary} from '../ingest/ingest.js'
import {ProgressLine} from '../ingest/progress-line.js'
import {databaseExitCode, databaseFlag, sqliteCreate} from '../lib/database-command.js'
import {JsonCommand} from '../lib/json-command.js'

/** `decnet ingest [FILE...]`: store DECNET log lines in the database. */
export default class Ingest extends JsonCommand {
  static override args = {
    file: Args.string({
      description: 'Log file to read; `-` (or no file at all) reads standard input. Several may be given.',
      ignoreStdin: true, // standard input is the log stream, not an argument
    }),
  }

  static override description = `Reads DECNET's RFC 5424 log lines (\`<PRI>1 TIMESTAMP DECKY SERVICE PROCID EVENT [SD] [MSG]\`) from files or standard input and stores them in the \`logs\` table, in batches, one transaction per batch. Lines that cannot be parsed are stored in \`rejected_lines\` with their source, line number and reason; the valid lines around them still land. Blank lines are skipped.

A missing or unreadable file (exit ${ExitCode.INPUT_UNREADABLE}) or a binary one (exit ${ExitCode.INPUT_BINARY}) is reported and the other files are still ingested; the exit code is that of the first failed input. A database failure stops the run (exit ${ExitCode.DATABASE}). Migrations run first.`

  static override enableJsonFlag = true
  static override examples = [
    '<%= config.bin %> <%= command.id %> /var/log/decnet/decnet.log',
    'tail -n 1000 decnet.log | <%= config.bin %> <%= command.id %> --json',
    '<%= config.bin %> <%= command.id %> --db postgres://decnet@db.example/decnet a.log b.log',
  ]

  static override flags = {
    batch: Flags.integer({default: DEFAULT_BATCH_SIZE, min: 1, summary: 'Lines per transaction.'}),
    db: databaseFlag,
  }

  static override strict = false
  static override summary = 'Store DECNET log lines (files or standard input) in the database.'

  /** Returns `{accepted, rejected, sources}`; `--json` prints it as is. */
  async run(): Promise<IngestSummary> {
    const {argv, flags} = await this.parse(Ingest)
    const progress = new ProgressLine(process.stderr)
    let summary: IngestSummary
    try {
      const database = chooseDatabase({dataDir: this.config.dataDir, flag: flags.db})
      for (const warning of database.warnings) this.warn(warning)
      summary = await withDatabase(database.url, async (db) => {
        await migrateToLatest(db)
        return ingest(db, argv as string[], {batchSize: flags.batch, onProgress: (p) => progress.update(p)})
      }, {...INGEST_SQLITE_OPTIONS, create: sqliteCreate(database, 'write')})
    } catch (error) {
      const exit = databaseExitCode(error)
      if (exit !== undefined) this.error((error as Error).message, {exit})
      throw error
    } finally {
      progress.done()
    }

    // on stderr even under --json: stdout then holds only the summary
    for (const {error} of summary.sources) if (error) ux.stderr(`decnet ingest: ${error.message}`)
    this.log(`accepted ${summary.accepted}, rejected ${summary.rejected}`)
    const failed = summary.sources.find((source) => source.error)?.error
    if (failed) process.exitCode = failed.kind === 'binary' ? ExitCode.INPUT_BINARY : ExitCode.INPUT_UNREADABLE
    return summary
  }
}
