/**
 * Reading systemd unit files in tests, and checking them with the real
 * `systemd-analyze verify` when the machine has it.
 *
 * @example
 * ```ts
 * const unit = parseUnit(text)
 * assert.deepEqual(unit.values('Service', 'CapabilityBoundingSet'), [''])
 * const verdict = verifyUnit(t, text, 'decnet-heavy.service')
 * if (verdict.skip) t.skip(verdict.skip)
 * else assert.deepEqual(verdict.problems, [])
 * ```
 */
import {spawnSync} from 'node:child_process'
import {mkdtempSync, realpathSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import type {TestContext} from 'node:test'
import {fileURLToPath} from 'node:url'

/** A parsed unit file. */
export interface ParsedUnit {
  /** Section names in file order (a repeated header appears twice). */
  readonly sections: string[]
  /** The `[key, value]` directives of a section, in order. */
  directives(section: string): [string, string][]
  /** Every value of `key` in `section`, in order. */
  values(section: string, key: string): string[]
  /** The one value of `key` in `section` (undefined when absent); throws when it appears more than once. */
  value(section: string, key: string): string | undefined
  /** The keys of a section's directives, in order. */
  keys(section: string): string[]
}

/** What `systemd-analyze verify` said of a unit. */
export interface UnitVerdict {
  /** Why the verdict proves nothing here (the tool is missing or does not report a planted error). */
  readonly skip?: string
  readonly problems: string[]
  readonly output: string
}

/**
 * This checkout or node when it lives under a temporary directory, which a
 * unit cannot reach (PrivateTmp=yes): `decnet fleet unit` refuses it. CI may
 * clone the project anywhere, /tmp included. Undefined when both are reachable.
 */
export const UNIT_UNREACHABLE: string | undefined = [realpathSync(fileURLToPath(new URL('../..', import.meta.url))), process.execPath].find((path) =>
  /^\/(var\/)?tmp(\/|$)/.test(path),
)

/**
 * Splits a unit into sections of `[key, value]` directives (comments and
 * blank lines dropped). A line that is neither a section header, a comment,
 * nor `key=value` is an error: the tests want to know.
 */
export function parseUnit(text: string): ParsedUnit {
  const order: string[] = []
  const bySection = new Map<string, [string, string][]>()
  let current: string | undefined
  for (const [index, line] of text.split('\n').entries()) {
    if (line === '' || line.startsWith('#')) continue
    const header = /^\[([^\]]+)\]$/.exec(line)
    if (header) {
      current = header[1]
      order.push(current)
      if (!bySection.has(current)) bySection.set(current, [])
      continue
    }

    const equals = line.indexOf('=')
    const section = current === undefined ? undefined : bySection.get(current)
    if (section === undefined || equals <= 0) throw new Error(`line ${index + 1} is not a directive: ${JSON.stringify(line)}`)
    section.push([line.slice(0, equals), line.slice(equals + 1)])
  }

  const directives = (section: string): [string, string][] => bySection.get(section) ?? []
  const values = (section: string, key: string): string[] => directives(section).filter(([k]) => k === key).map(([, v]) => v)
  return {
    directives,
    keys: (section) => directives(section).map(([k]) => k),
    sections: order,
    value(section: string, key: string): string | undefined {
      const all = values(section, key)
      if (all.length > 1) throw new Error(`${key}= appears ${all.length} times in [${section}]`)
      return all[0]
    },
    values,
  }
}

/** systemd's own notes that are about the machine, or advice, not about a directive being wrong. */
const BENIGN = [/Special user nobody configured, this is not safe!/]

let toolWorks: string | true | undefined

/**
 * Writes `text` as `fileName` in a temp dir and runs `systemd-analyze verify`
 * on it. Everything it says goes to the test's diagnostics.
 *
 * A problem is a message about a line of the file (unknown key, value it
 * failed to parse...) other than the {@link BENIGN} ones, or a command it
 * cannot execute (unless `executables: false`, for units that name made-up
 * paths). Whether the user exists, or anything else about the machine, is
 * not judged.
 *
 * The verdict has `skip` when the tool is missing, or does not report a
 * planted unknown key (so its silence would prove nothing).
 */
export function verifyUnit(t: TestContext, text: string, fileName: string, {executables = true}: {executables?: boolean} = {}): UnitVerdict {
  const works = analyzerWorks()
  if (works !== true) return {output: '', problems: [], skip: works}
  const {file, output} = runVerify(text, fileName)
  if (output.trim() !== '') t.diagnostic(`systemd-analyze verify ${fileName} said:\n${output}`)
  const problems = output
    .split('\n')
    .filter((line) => (line.startsWith(`${file}:`) && !BENIGN.some((re) => re.test(line))) || (executables && /is not executable/.test(line)))
  return {output, problems}
}

function runVerify(text: string, fileName: string): {file: string; output: string} {
  const dir = mkdtempSync(join(tmpdir(), 'decnet-unit-verify-'))
  try {
    const file = join(dir, fileName)
    writeFileSync(file, text)
    const result = spawnSync('systemd-analyze', ['verify', '--man=no', file], {encoding: 'utf8', timeout: 60_000})
    if (result.error) throw result.error
    return {file, output: `${result.stdout}${result.stderr}`}
  } finally {
    rmSync(dir, {force: true, recursive: true})
  }
}

/** true, or why verify cannot be trusted here. Checked once per process with a planted bad key. */
function analyzerWorks(): string | true {
  if (toolWorks !== undefined) return toolWorks
  const probe = spawnSync('systemd-analyze', ['--version'], {encoding: 'utf8'})
  if (probe.error || probe.status !== 0) {
    toolWorks = `systemd-analyze is not available (${probe.error?.message ?? `exit ${probe.status}`})`
    return toolWorks
  }

  const planted = `[Service]\nExecStart=${process.execPath} --version\nDecnetPlantedKey=1\n`
  const {output} = runVerify(planted, 'decnet-verify-probe.service')
  toolWorks = /DecnetPlantedKey/.test(output) ? true : `systemd-analyze verify did not report a planted unknown key:\n${output}`
  return toolWorks
}
