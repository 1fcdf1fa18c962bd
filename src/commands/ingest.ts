import {Args, Flags} from '@oclif/core'

import type {IngestSummary} from '../ingest/ingest-summary.js'

import {withChosenDatabase} from '../cli/chosen-database.js'
import {databaseFlag} from '../cli/database-command.js'
import {DecnetCommand} from '../cli/decnet-command.js'
import {reportIngest} from '../cli/ingest-report.js'
import {millisecondsFlag} from '../cli/seconds.js'
import {stopOnSignals} from '../cli/stop-on-signals.js'
import {ExitCode} from '../exit-codes.js'
import {DEFAULT_BATCH_SIZE, INGEST_SQLITE_OPTIONS, ingest} from '../ingest/ingest.js'
import {ProgressLine} from '../ingest/progress-line.js'

/** `decnet ingest [FILE...]`: store DECNET log lines in the database. */
export default class Ingest extends DecnetCommand {
  static override args = {
    file: Args.string({
      description: 'Log file to read; `-` (or no file at all) reads standard input. Several may be given.',
      ignoreStdin: true, // standard input is the log stream, not an argument
    }),
  }

  static override description = `Reads DECNET's RFC 5424 log lines (\`<PRI>1 TIMESTAMP DECKY SERVICE PROCID EVENT [SD] [MSG]\`) from files or standard input and stores them in the \`logs\` table, in batches, one transaction per batch. Lines that cannot be parsed, or that hold NUL or other control bytes, are stored in \`rejected_lines\` with their source, line number and reason; the valid lines around them still land. Blank lines are skipped.

Every line is stored once: each file's progress (its identity: device, inode and a fingerprint of its first 4 KiB; and the offset after its last committed line) is committed with the rows it covers, so a rerun reads only what was added since. A file is known by identity, not name: after a rename rotation, \`decnet ingest decnet.log.1 decnet.log\` stores the old file's last lines and the new file from its start; a file truncated or rewritten in place is read from its start; --from-start reads everything again. Standard input is stored as given each time, unless --source names it (then it resumes like a file); lines trickling in through a pipe are committed within --flush seconds. SIGINT or SIGTERM stop the run after the transaction in flight (exit ${ExitCode.INTERRUPTED} / ${ExitCode.TERMINATED}), saying how far it got; a rerun resumes there.

--follow keeps reading the files as they grow, the way \`tail -F\` does: a file renamed away and recreated (rotation) is read to its end, then the new one from its start; a truncated file is read again from its start; a file that does not exist yet is waited for. Lines are committed in batches when they pour, and within --flush seconds when they trickle. It resumes after the last committed line of each file, also the rest of a file rotated while it was stopped; a database outage is waited out. SIGINT or SIGTERM stop it after committing what it read (exit 0).

A missing or unreadable file (exit ${ExitCode.INPUT_UNREADABLE}) or an overwhelmingly binary one (exit ${ExitCode.INPUT_BINARY}, its refusal recorded in \`rejected_lines\`) is reported and the other files are still ingested; the exit code is that of the first failed input. A database failure stops the run (exit ${ExitCode.DATABASE}) and says what was committed. Migrations run first.`

  static override enableJsonFlag = true
  static override examples = [
    '<%= config.bin %> <%= command.id %> /var/log/decnet/decnet.log',
    '<%= config.bin %> <%= command.id %> --follow /var/log/decnet/decnet.log',
    'tail -n 1000 decnet.log | <%= config.bin %> <%= command.id %> --json',
    'ssh decky-host cat /var/log/decnet.log | <%= config.bin %> <%= command.id %> --source decky-host',
    '<%= config.bin %> <%= command.id %> --db postgres://decnet@db.example/decnet a.log b.log',
  ]

  static override flags = {
    batch: Flags.integer({default: DEFAULT_BATCH_SIZE, min: 1, summary: 'Lines per transaction.'}),
    db: databaseFlag,
    flush: Flags.string({default: '1', helpValue: 'SECONDS', summary: 'Commit lines read from a pipe, or from a followed file, at most this long after reading them.'}),
    follow: Flags.boolean({char: 'F', summary: 'Keep following the files as they grow, across rotation and truncation, until SIGINT or SIGTERM (like `tail -F`).'}),
    'from-start': Flags.boolean({summary: 'Read every file from its start, ignoring how far earlier runs got (lines already stored are stored again).'}),
    source: Flags.string({helpValue: 'NAME', summary: 'Name standard input, so a rerun fed the same stream resumes after its last committed line.'}),
  }

  static override strict = false
  static override summary = 'Store DECNET log lines (files or standard input) in the database, each line once; --follow keeps reading.'

  /** Returns `{accepted, rejected, sources, stopped?}`; `--json` prints it as is. */
  async run(): Promise<IngestSummary> {
    const {argv, flags} = await this.parse(Ingest)
    const inputs = argv as string[]
    if (flags.source !== undefined && inputs.length > 0 && !inputs.includes('-')) {
      this.error(`Expected \`--source\` to name standard input, but no input is \`-\` (got ${inputs.join(' ')})`, {exit: ExitCode.USAGE})
    }

    const flushMs = millisecondsFlag('--flush', flags.flush)!
    const progress = new ProgressLine(process.stderr)
    const stop = stopOnSignals() // the first signal stops after the transaction in flight; a second one kills at once
    const options = {batchSize: flags.batch, flushMs, fromStart: flags['from-start'], signal: stop.signal, stdinName: flags.source}
    let summary: IngestSummary
    try {
      summary = await withChosenDatabase(this, {access: 'write', flag: flags.db, open: INGEST_SQLITE_OPTIONS}, async (db) => {
        if (!flags.follow) return ingest(db, inputs, {...options, onProgress: progress.update.bind(progress)})
        const {follow} = await import('../ingest/follow/follow.js')
        return follow(db, inputs.length === 0 ? ['-'] : inputs, {...options, onWarning: (message) => this.warn(message)})
      })
    } finally {
      stop.dispose()
      progress.done()
    }

    this.log(reportIngest(summary, flags.follow))
    return summary
  }
}
