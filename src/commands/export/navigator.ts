import {DecnetCommand} from '../../cli/decnet-command.js'
import {exportArgs, exportFlags} from '../../cli/export-flags.js'
import {runExport} from '../../cli/run-export.js'
import {ExitCode} from '../../exit-codes.js'
import {NAVIGATOR_COMMENT_ATTACKERS} from '../../export/export-navigator.js'
import {exportNavigator} from '../../export/export-navigator.js'

/** `decnet export navigator [IP...]`: an ATT&CK Navigator layer of the techniques attackers used. */
export default class ExportNavigator extends DecnetCommand {
  static override args = exportArgs
  static override description = `Writes an ATT&CK Navigator layer (layer format 4.5, domain enterprise-attack) of the techniques decnet tagged for the attackers selected (all of them, those named, or those seen in --since/--until): one entry per technique or sub-technique and tactic, scored by how many attackers used it, coloured on a gradient up to the highest score, with a comment naming the ${NAVIGATOR_COMMENT_ATTACKERS} busiest attackers and a link to ATT&CK; a parent technique shows its scored sub-techniques. versions.attack is the catalog's major release (Navigator's naming); the metadata names the full release. Load it in Navigator with "Open Existing Layer". See docs/exports.md.

An IP that is not an address, or a bad --since/--until, exits ${ExitCode.USAGE}; an IP never profiled exits ${ExitCode.NOT_FOUND}.`

  static override examples = [
    '<%= config.bin %> <%= command.id %> --output decnet-layer.json',
    '<%= config.bin %> <%= command.id %> --since 7d',
    '<%= config.bin %> <%= command.id %> 203.0.113.7 198.51.100.20',
  ]

  static override flags = exportFlags
  static override strict = false
  static override summary = 'Export the techniques attackers used as an ATT&CK Navigator layer.'

  async run(): Promise<void> {
    const {argv, flags} = await this.parse(ExportNavigator)
    await runExport(this, {argv: argv as string[], flags}, (context) => exportNavigator(context))
  }
}
