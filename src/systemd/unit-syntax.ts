/**
 * Writing values into a systemd unit file without changing their meaning.
 * A unit file is a small language: `%` starts a specifier, `$` expands a
 * variable in `ExecStart=`, a newline starts a new directive, a trailing
 * backslash continues a line. Anything that reaches a unit from outside
 * (a plugin's fleet description, a path, a database URL) goes through here.
 */
import {FleetUnitError} from './fleet-unit-error.js'

/** A character that may not appear in a value at all (it would end the line or hide text). */
const CONTROL = /[\u0000-\u001F\u007F]/

/** Words that need no quoting in `ExecStart=` and `Environment=` (after escaping `%` and `$`). */
const PLAIN_WORD = /^[\w@%+=:,./$-]+$/

/** Characters a path may hold in a path-list directive (`ReadWritePaths=`, `BindReadOnlyPaths=`). */
const PLAIN_PATH = /^\/[\w@%+=,./~-]*$/

/** `%` -> `%%`: systemd expands specifiers (`%n`, `%S`...) in most values. */
export function escapeSpecifiers(text: string): string {
  return text.replaceAll('%', '%%')
}

/**
 * Free text from outside (a fleet's description) made safe for a one-line
 * value such as `Description=`: control characters become spaces, runs of
 * blanks one space, a trailing backslash (a line continuation) goes, `%` is
 * escaped.
 *
 * @example
 * ```ts
 * oneLine('50% done\nExecStartPre=/bin/sh') // "50%% done ExecStartPre=/bin/sh"
 * ```
 */
export function oneLine(text: string): string {
  const flat = text.replaceAll(/[\u0000-\u001F\u007F\s]+/g, ' ').trim()
  return escapeSpecifiers(flat.replace(/\\+$/, '').trimEnd())
}

/**
 * An `ExecStart=` command line: `%` escaped everywhere, `$` escaped in the
 * arguments (systemd expands `$VAR` there, not in the executable's path),
 * and C-style quotes around any word holding more than plain characters.
 *
 * @throws {@link FleetUnitError} when a word holds a control character, or
 * the executable's path a quote or backslash (systemd refuses those there).
 *
 * @example
 * ```ts
 * execLine(['/opt/my node/bin/node', '/opt/decnet/bin/run.js', 'fleet', 'heavy']) // '"/opt/my node/bin/node" /opt/decnet/bin/run.js fleet heavy'
 * ```
 */
export function execLine(words: readonly string[]): string {
  return words
    .map((word, index) => {
      rejectControl(word, index === 0 ? 'executable' : 'argument')
      if (index === 0 && /["'\\]/.test(word)) {
        throw new FleetUnitError(`executable ${JSON.stringify(word)} holds a quote or backslash, which systemd refuses in a command's path`)
      }

      const escaped = index === 0 ? escapeSpecifiers(word) : escapeSpecifiers(word).replaceAll('$', () => '$$')
      return PLAIN_WORD.test(escaped) ? escaped : quote(escaped)
    })
    .join(' ')
}

/**
 * An `Environment=` value: `NAME=value`, quoted when the value needs it.
 * Specifiers stay live only where the caller writes them itself, so pass
 * `raw: true` for a value that deliberately uses one (`%S`).
 *
 * @throws {@link FleetUnitError} when the value holds a control character.
 */
export function environmentValue(name: string, value: string, options: {raw?: boolean} = {}): string {
  rejectControl(value, name)
  const assignment = `${name}=${options.raw ? value : escapeSpecifiers(value)}`
  return PLAIN_WORD.test(assignment) ? assignment : quote(assignment)
}

/**
 * A path for a path-list directive, with its optional `-` prefix (ignore
 * the path when it does not exist). Paths with blanks, quotes, colons or
 * backslashes are refused rather than escaped: each directive has its own
 * splitting rules, and a path misread there would expose the wrong thing.
 *
 * @throws {@link FleetUnitError} when the path cannot be written plainly.
 */
export function unitPath(path: string, what: string, options: {optional?: boolean} = {}): string {
  if (!PLAIN_PATH.test(path)) {
    throw new FleetUnitError(
      `${what} ${JSON.stringify(path)} cannot be written into a unit file: use a path of letters, digits and _@%+=,.~/-`,
    )
  }

  return `${options.optional ? '-' : ''}${escapeSpecifiers(path)}`
}

/**
 * A user or group name for `User=`, `Group=` (no quoting there): letters,
 * digits and `_.@-`, not starting with `-` or `.`, or a numeric id.
 *
 * @throws {@link FleetUnitError} for anything else.
 */
export function accountName(name: string, what: string): string {
  if (!/^[\w@][\w.@-]*$/.test(name)) throw new FleetUnitError(`${what} ${JSON.stringify(name)} is not a name systemd accepts`)
  return name
}

function rejectControl(value: string, what: string): void {
  if (CONTROL.test(value)) throw new FleetUnitError(`${what} ${JSON.stringify(value)} holds a control character`)
}

function quote(text: string): string {
  return `"${text.replaceAll('\\', '\\\\').replaceAll('"', String.raw`\"`)}"`
}
