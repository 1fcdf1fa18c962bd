import {DecnetCommand} from '../../cli/decnet-command.js'
import {exportArgs, exportFlags} from '../../cli/export-flags.js'
import {runExport} from '../../cli/run-export.js'
import {ExitCode} from '../../exit-codes.js'
import {exportJson} from '../../export/export-json.js'

/** `decnet export json [IP...]`: every attacker profile, one JSON object per line. */
export default class ExportJson extends DecnetCommand {
  static override args = exportArgs
  static override description = `Writes every attacker profile (all of them, those named, or those seen in --since/--until) as JSON Lines, one object per line in IP order, as it reads them: the object of \`decnet attackers show IP --json\` with every command (read a page at a time) and attackVersion, the ATT&CK release the technique ids belong to. Memory holds one page of profiles, whatever their number. See docs/exports.md and docs/profiles.md.

An IP that is not an address, or a bad --since/--until, exits ${ExitCode.USAGE}; an IP never profiled exits ${ExitCode.NOT_FOUND}.`

  static override examples = [
    '<%= config.bin %> <%= command.id %> --output attackers.jsonl',
    "<%= config.bin %> <%= command.id %> --since 24h | jq -c 'select(.commandCount > 0) | .ip'",
    '<%= config.bin %> <%= command.id %> 203.0.113.7',
  ]

  static override flags = exportFlags
  static override strict = false
  static override summary = 'Export every attacker profile as JSON Lines.'

  async run(): Promise<void> {
    const {argv, flags} = await this.parse(ExportJson)
    await runExport(this, {argv: argv as string[], flags}, (context) => exportJson(context))
  }
}
