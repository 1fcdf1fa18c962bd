import type {EffectiveCollectSettings} from '../ingest/collect/collect-settings.js'

import {COLLECT_SETTING_NAMES, listenersOf} from '../ingest/collect/collect-settings.js'

/**
 * `decnet config show` for people: the settings file, then one line per
 * setting (its value and where it came from), then which fleet serves what.
 *
 * @example
 * ```
 * collect settings: /home/op/.local/share/decnet/collect.json
 *   SETTING             VALUE                          FROM
 *   follow              /var/log/decnet/decnet.log     file
 *   listen              tls://0.0.0.0:6514             file
 * ```
 */
export function formatCollectSettings(effective: EffectiveCollectSettings): string {
  const {file, fileExists, origins, settings} = effective
  const rows = [['SETTING', 'VALUE', 'FROM']]
  for (const name of COLLECT_SETTING_NAMES) {
    const value = settings[name]
    const text = Array.isArray(value) ? (value.length === 0 ? '(none)' : value.join(', ')) : value === null ? '(none)' : typeof value === 'object' ? JSON.stringify(value) : String(value)
    rows.push([name, text, origins[name]])
  }

  const widths = rows[0].map((_, column) => Math.max(...rows.map((row) => row[column].length)))
  const table = rows.map((row) => `  ${row.map((cell, column) => cell.padEnd(widths[column])).join('  ').trimEnd()}`).join('\n')
  const low = listenersOf(settings, 'privileged').map((l) => l.text)
  const high = settings.listen.filter((text) => !low.includes(text))
  const serves = [
    `fleet collect (profile database): ${settings.follow.length} file(s) to follow${high.length > 0 ? `; listens on ${high.join(', ')}` : ''}`,
    ...(low.length > 0 ? [`fleet collect-bind (profile net-bind, CAP_NET_BIND_SERVICE): listens on ${low.join(', ')}`] : []),
  ]
  return [`collect settings: ${file}${fileExists ? '' : ' (no such file: the defaults)'}`, table, ...serves].join('\n')
}

