import {Flags} from '@oclif/core'

import {DecnetCommand} from '../../cli/decnet-command.js'
import {formatCollectSettings} from '../../cli/format-collect-settings.js'
import {collectSettingsPath, readCollectSettings, type EffectiveCollectSettings} from '../../ingest/collect/collect-settings.js'

/** `decnet config show`: the collect settings in force and where each came from. */
export default class ConfigShow extends DecnetCommand {
  static override description = `Prints the settings of the collect fleets (decnet fleet collect, decnet fleet collect-bind) as they would run: each setting, its value, and where it came from (default, file, or command line). The settings live in <%= config.dataDir %>/collect.json, a JSON object whose keys are the settings shown; a missing file means every default (nothing followed, nothing listened on). --follow and --listen show what \`decnet fleet collect\` would run with the same flags.

Exit 2 when the file or a setting cannot be used (the message names it).`

  static override enableJsonFlag = true
  static override examples = [
    '<%= config.bin %> <%= command.id %>',
    '<%= config.bin %> <%= command.id %> --json',
    '<%= config.bin %> <%= command.id %> --listen tcp://127.0.0.1:5514',
  ]

  static override flags = {
    follow: Flags.string({helpValue: 'FILE', multiple: true, summary: "As `decnet fleet collect --follow`: replaces the settings' `follow` list."}),
    listen: Flags.string({helpValue: 'PROTO://IP[:PORT]', multiple: true, summary: "As `decnet fleet collect --listen`: replaces the settings' `listen` list."}),
  }

  static override summary = 'Show the collect settings in force and where each came from.'

  /** Returns the settings, their file and their origins; `--json` prints them. */
  async run(): Promise<EffectiveCollectSettings> {
    const {flags} = await this.parse(ConfigShow)
    const effective = readCollectSettings(collectSettingsPath(this.config.dataDir), {follow: flags.follow, listen: flags.listen})
    this.log(formatCollectSettings(effective))
    return effective
  }
}
