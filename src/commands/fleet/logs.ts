import * as Args from '@oclif/core/args'
import * as Flags from '@oclif/core/flags'

import {DecnetCommand} from '../../cli/decnet-command.js'
import {fleetPaths} from '../../control/fleet-paths.js'
import {followLog, readLog, workerFilter} from '../../control/log-file.js'
import {ExitCode} from '../../exit-codes.js'

/** `decnet fleet logs NAME`: a daemon's log, whole, filtered, or followed. */
export default class FleetLogs extends DecnetCommand {
  static override args = {name: Args.string({description: 'The fleet whose daemon log to read.', required: true})}
  static override description = `Prints the log of a fleet started with --daemon (<%= config.dataDir %>/logs/NAME.log): the supervisor's lines ("[decnet] ...") and every worker's output, prefixed with its name ("profiler | ..."). The log is appended to across runs; each run starts with a "[decnet] <time> starting fleet NAME as a daemon" line.

--worker keeps one worker's lines: its own output and the supervisor's lines about it (ready, crashed, restarting...). --follow keeps printing lines as they are written, until Ctrl-C.`
  static override examples = [
    '<%= config.bin %> <%= command.id %> heavy --lines 50',
    '<%= config.bin %> <%= command.id %> heavy --worker ttp --follow',
  ]
  static override flags = {
    follow: Flags.boolean({char: 'f', summary: 'Keep printing new lines as they are written (stop with Ctrl-C).'}),
    lines: Flags.integer({char: 'n', helpValue: 'N', min: 0, summary: 'Only the last N lines (after --worker). Default: all.'}),
    worker: Flags.string({char: 'w', helpValue: 'W', summary: "Only worker W's lines."}),
  }
  static override summary = "Print (or follow) a daemon fleet's log."

  async run(): Promise<void> {
    const {args, flags} = await this.parse(FleetLogs)
    const {logFile} = fleetPaths(args.name, {dataDir: this.config.dataDir})
    const filter = workerFilter(flags.worker)
    let offset: number
    try {
      offset = await readLog(logFile, filter, flags.lines, (line) => this.log(line))
    } catch (error) {
      const {code, message} = error as NodeJS.ErrnoException
      if (code === 'ENOENT') this.error(`no log for fleet '${args.name}' at ${logFile} (it never ran with --daemon)`, {exit: ExitCode.NOT_FOUND})
      this.error(`cannot read ${logFile}: ${message}`, {exit: ExitCode.FAILURE})
    }

    if (!flags.follow) return
    const stop = new AbortController()
    const onSignal = () => stop.abort()
    process.once('SIGINT', onSignal).once('SIGTERM', onSignal)
    await followLog(logFile, offset, (line) => filter(line) && this.log(line), stop.signal)
    process.off('SIGINT', onSignal).off('SIGTERM', onSignal)
  }
}
