/**
 * decnet's help class (package.json `oclif.helpClass`). oclif freezes a
 * command's static help text into the manifest at build time, but the fleets
 * that `decnet fleet NAME` can run depend on the plugins installed right now,
 * so the help for `fleet` asks the registry at help time and adds them.
 */
import type {Command} from '@oclif/core'

import {Help} from '@oclif/core'

import {describeProblem, fleetSummaryRows} from './fleets/format-catalog.js'
import {loadFleetCatalog} from './fleets/registry.js'

/** Commands whose help lists the available fleets. */
const FLEET_COMMANDS: ReadonlySet<string> = new Set(['fleet', 'fleet:list'])

/**
 * Standard oclif help, plus, for `decnet fleet` (and `fleet list`), an
 * AVAILABLE FLEETS section (name, privilege profile, defining plugin,
 * description) and a PLUGIN PROBLEMS section when some plugin is broken.
 */
export default class DecnetHelp extends Help {
  /** The extra sections for the command being shown, computed before oclif formats it. */
  #extra: string | undefined

  override async showCommandHelp(command: Command.Loadable): Promise<void> {
    this.#extra = FLEET_COMMANDS.has(command.id) ? await this.#fleetSections() : undefined
    try {
      await super.showCommandHelp(command)
    } finally {
      this.#extra = undefined
    }
  }

  protected override formatCommand(command: Command.Loadable): string {
    const help = super.formatCommand(command)
    return this.#extra === undefined ? help : `${help}\n\n${this.#extra}`
  }

  // Sections are assembled here rather than with this.section(), which would run
  // plugin-provided descriptions through oclif's template renderer.
  async #fleetSections(): Promise<string> {
    const catalog = await loadFleetCatalog(this.config)
    const rows = fleetSummaryRows(catalog)
    const fleets =
      rows.length > 0
        ? this.indent(this.renderList(rows, {indentation: 2, stripAnsi: this.opts.stripAnsi}), 2)
        : this.indent('no fleets available (see PLUGIN PROBLEMS)', 2)
    const sections = [`AVAILABLE FLEETS (name, profile, plugin, description)\n${fleets}`]
    if (catalog.problems.length > 0) {
      const problems = catalog.problems.map((p) => hanging(this.wrap(`warning: ${describeProblem(p)}`, 4)))
      sections.push(`PLUGIN PROBLEMS\n${problems.join('\n')}`)
    }

    return sections.join('\n\n')
  }
}

/** Indents the first line by 2 and the lines it wraps onto by 4. */
function hanging(text: string): string {
  return text
    .split('\n')
    .map((line, i) => (i === 0 ? `  ${line}` : `    ${line}`))
    .join('\n')
}
