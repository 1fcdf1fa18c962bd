import {Args, Flags, ux} from '@oclif/core'

import {migrateToLatest} from '../db/migrate.js'
import {DATABASE_FILE_REPLACED} from '../db/sqlite-driver.js'
import {withDatabase} from '../db/open.js'
import {chooseDatabase} from '../db/database-choice.js'
import {ExitCode} from '../exit-codes.js'
import {describeStop} from '../ingest/describe-stop.js'
import {DEFAULT_BATCH_SIZE, INGEST_SQLITE_OPTIONS, ingest} from '../ingest/ingest.js'
import type {IngestSummary} from '../ingest/ingest-summary.js'
import {ProgressLine} from '../ingest/progress-line.js'
import {databaseExitCode, databaseFlag, sqliteCreate} from '../cli/database-command.js'
import {JsonCommand} from '../cli/json-command.js'
import {stopOnSignals} from '../cli/stop-on-signals.js'

/** `decnet ingest [FILE...]`: store DECNET log lines in the database. */
export default class Ingest extends JsonCommand {
  static override args = {
    file: Args.string({
      description: 'Log file to read; `-` (or no file at all) reads standard input. Several may be given.',
      ignoreStdin: true, // standard input is the log stream, not an argument
    }),
  }

  static override description = `Reads DECNET's RFC 5424 log lines (\`<PRI>1 TIMESTAMP DECKY SERVICE PROCID EVENT [SD] [MSG]\`) from files or standard input and stores them in the \`logs\` table, in batches, one transaction per batch. Lines that cannot be parsed, or that hold NUL or other control bytes, are stored in \`rejected_lines\` with their source, line number and reason; the valid lines around them still land. Blank lines are skipped.

Every line is stored once: each file's progress (its identity: device, inode and a fingerprint of its first 4 KiB; and the offset after its last committed line) is committed with the rows it covers, so a rerun reads only what was added since. A file is known by identity, not name: after a rename rotation, \`decnet ingest decnet.log.1 decnet.log\` stores the old file's last lines and the new file from its start; a file truncated or rewritten in place is read from its start; --from-start reads everything again. Standard input is stored as given each time, unless --source names it (then it resumes like a file). SIGINT or SIGTERM stop the run after the transaction in flight (exit ${ExitCode.INTERRUPTED} / ${ExitCode.TERMINATED}), saying how far it got; a rerun resumes there.

A missing or unreadable file (exit ${ExitCode.INPUT_UNREADABLE}) or an overwhelmingly binary one (exit ${ExitCode.INPUT_BINARY}, its refusal recorded in \`rejected_lines\`) is reported and the other files are still ingested; the exit code is that of the first failed input. A database failure stops the run (exit ${ExitCode.DATABASE}) and says what was committed. Migrations run first.`

  static override enableJsonFlag = true
  static override examples = [
    '<%= config.bin %> <%= command.id %> /var/log/decnet/decnet.log',
    'tail -n 1000 decnet.log | <%= config.bin %> <%= command.id %> --json',
    'ssh decky-host cat /var/log/decnet.log | <%= config.bin %> <%= command.id %> --source decky-host',
    '<%= config.bin %> <%= command.id %> --db postgres://decnet@db.example/decnet a.log b.log',
  ]

  static override flags = {
    batch: Flags.integer({default: DEFAULT_BATCH_SIZE, min: 1, summary: 'Lines per transaction.'}),
    db: databaseFlag,
    'from-start': Flags.boolean({summary: 'Read every file from its start, ignoring how far earlier runs got (lines already stored are stored again).'}),
    source: Flags.string({helpValue: 'NAME', summary: 'Name standard input, so a rerun fed the same stream resumes after its last committed line.'}),
  }

  static override strict = false
  static override summary = 'Store DECNET log lines (files or standard input) in the database, each line once.'

  /** Returns `{accepted, rejected, sources, stopped?}`; `--json` prints it as is. */
  async run(): Promise<IngestSummary> {
    const {argv, flags} = await this.parse(Ingest)
    const inputs = argv as string[]
    if (flags.source !== undefined && inputs.length > 0 && !inputs.includes('-')) {
      this.error(`Expected \`--source\` to name standard input, but no input is \`-\` (got ${inputs.join(' ')})`, {exit: ExitCode.USAGE})
    }

    const progress = new ProgressLine(process.stderr)
    const stop = stopOnSignals() // the first signal stops after the transaction in flight; a second one kills at once
    const options = {batchSize: flags.batch, fromStart: flags['from-start'], signal: stop.signal, stdinName: flags.source, onProgress: progress.update.bind(progress)}
    let summary: IngestSummary
    try {
      const database = chooseDatabase({dataDir: this.config.dataDir, flag: flags.db})
      for (const warning of database.warnings) this.warn(warning)
      summary = await withDatabase(database.url, async (db) => {
        await migrateToLatest(db)
        return ingest(db, inputs, options)
      }, {...INGEST_SQLITE_OPTIONS, create: sqliteCreate(database, 'write')})
    } catch (error) {
      const exit = databaseExitCode(error)
      if (exit !== undefined) this.error((error as Error).message, {exit})
      throw error
    } finally {
      stop.dispose()
      progress.done()
    }

    this.report(summary)
    return summary
  }

  /** Messages on stderr (even under --json: stdout then holds only the summary), the counts, the exit code. */
  private report(summary: IngestSummary): void {
    for (const {error} of summary.sources) if (error) ux.stderr(`decnet ingest: ${error.message}`)
    for (const source of summary.sources) {
      if (source.restart === 'truncated' || source.restart === 'replaced') ux.stderr(`decnet ingest: ${source.source} was ${source.restart} since the last run: read from its start`)
    }

    const {stopped} = summary
    if (stopped) {
      ux.stderr(`decnet ingest: ${stopped.by === 'database' ? `stopped: ${stopped.message}` : stopped.message}`)
      // with the database file gone, "N lines committed" would be false: they went with it
      if (stopped.code !== DATABASE_FILE_REPLACED) for (const line of describeStop(summary)) ux.stderr(`decnet ingest: ${line}`)
    }

    this.log(`accepted ${summary.accepted}, rejected ${summary.rejected}`)
    if (stopped) {
      process.exitCode = stopped.by === 'database' ? ExitCode.DATABASE : stopped.by === 'SIGTERM' ? ExitCode.TERMINATED : ExitCode.INTERRUPTED
      return
    }

    const failed = summary.sources.find((source) => source.error && source.error.kind !== 'busy')?.error
    if (failed) process.exitCode = failed.kind === 'binary' ? ExitCode.INPUT_BINARY : ExitCode.INPUT_UNREADABLE
  }
}
