// The transcripts in README.md and docs/*.md are what the commands print:
// every block marked `<!-- example: SCENARIO -->` is run, command by command,
// through bash with this checkout's `decnet`, and compared with the document
// (process ids, times and the home directory aside). They show what an
// ordinary user sees: run as root, the commands run as user nobody. Run with
// DECNET_WRITE_EXAMPLES=1 to write what the commands print into the documents
// where it differs, instead of comparing.
import assert from 'node:assert/strict'
import {spawn, spawnSync} from 'node:child_process'
import {chownSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {describe, it, type TestContext} from 'node:test'

import {RUN, REPO} from '../helpers/decnet-cli.js'
import {documentFiles, type FencedBlock, fencedBlocks, markedExamples, normalizeOutput, transcriptSteps} from '../helpers/doc-examples.js'
import {ORDINARY_USER, type Scenario, SCENARIOS} from './example-scenarios.js'

const WRITE = process.env.DECNET_WRITE_EXAMPLES === '1'

/** The scenario a marked block names; fails the test when there is none of that name. */
function scenarioOf(block: FencedBlock): Scenario {
  const scenario = block.scenario === null ? undefined : SCENARIOS[block.scenario]
  assert.ok(scenario, `${block.file}:${block.start + 1}: unknown scenario ${block.scenario}`)
  return scenario
}

/** Runs one transcript line in bash, with `$?` set to the previous line's status; stdout and stderr as one stream. */
function runStep(command: string, {cwd, home, status}: {cwd: string; home: string; status: number}): Promise<{code: number; output: string}> {
  const script = `decnet() { ${JSON.stringify(process.execPath)} ${JSON.stringify(RUN)} "$@"; }\nexec 2>&1\n(exit ${status})\n${command}`
  const env = {HOME: home, LANG: 'C.UTF-8', PATH: process.env.PATH, TERM: 'dumb'}
  const child = spawn('bash', ['-c', script], {cwd, env, stdio: ['ignore', 'pipe', 'inherit'], ...ORDINARY_USER})
  let output = ''
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (output += chunk))
  return new Promise((resolve, reject) => {
    child.once('error', reject)
    child.once('close', (code) => resolve({code: code ?? 1, output}))
  })
}

/** Programs other than decnet that a transcript runs and this machine lacks (`.ci/run` installs them). */
function missingPrograms(block: FencedBlock): string[] {
  const programs = new Set(transcriptSteps(block.lines).map((step) => step.command.split(' ')[0]))
  for (const builtin of ['decnet', 'echo', 'cd']) programs.delete(builtin)
  return [...programs].filter((program) => spawnSync('bash', ['-c', `command -v ${program}`]).status !== 0)
}

async function runTranscript(block: FencedBlock, home: string): Promise<string[]> {
  const cwd = scenarioOf(block).setup(home)
  let status = 0
  const printed: string[] = []
  for (const step of transcriptSteps(block.lines)) {
    const {code, output} = await runStep(step.command, {cwd, home, status})
    status = code
    printed.push(`$ ${step.command}`, ...output.replace(/\n$/, '').split('\n').filter((line, i, all) => all.length > 1 || line !== ''))
  }

  return printed
}

/** A private HOME for one transcript; after it, the scenario's teardown, then the HOME removed. */
function freshHome(t: TestContext, scenario: Scenario): string {
  const home = mkdtempSync(join(tmpdir(), 'decnet-example-'))
  mkdirSync(join(home, 'inputs'))
  if (ORDINARY_USER.uid !== undefined) {
    const gid = ORDINARY_USER.gid ?? ORDINARY_USER.uid
    chownSync(home, ORDINARY_USER.uid, gid)
    chownSync(join(home, 'inputs'), ORDINARY_USER.uid, gid)
  }

  t.after(() => {
    try {
      scenario.teardown?.(home)
    } finally {
      rmSync(home, {force: true, recursive: true})
    }
  })
  return home
}

describe('the documents\' example transcripts', {timeout: 300_000}, () => {
  it('every marked example names a known scenario, and every transcript of a decnet command is marked', () => {
    const unmarked: string[] = []
    for (const file of documentFiles(REPO)) {
      for (const block of fencedBlocks(file, readFileSync(join(REPO, file), 'utf8'))) {
        if (block.scenario !== null) assert.ok(SCENARIOS[block.scenario], `${file}:${block.start + 1}: unknown scenario ${block.scenario}`)
        else if (block.lines.some((line) => line.startsWith('$ decnet '))) unmarked.push(`${file}:${block.start + 1}`)
      }
    }

    assert.deepEqual(unmarked, [], 'transcripts of decnet commands with no <!-- example: ... --> marker (so never checked)')
  })

  for (const block of markedExamples(REPO)) {
    const missing = missingPrograms(block)
    const skip = missing.length > 0 && `needs ${missing.join(', ')} on PATH`
    const why = block.scenario === null ? undefined : SCENARIOS[block.scenario]?.why
    it(`${block.file}:${block.start + 1} (${block.scenario}: ${why})`, {skip}, async (t) => {
      const home = freshHome(t, scenarioOf(block))
      const printed = await runTranscript(block, home)
      const same = normalizeOutput(printed.join('\n'), home) === normalizeOutput(block.lines.join('\n'))
      if (WRITE) {
        if (!same) writeBack(block, printed.map((line) => line.split(home).join('~')))
        return
      }

      assert.equal(normalizeOutput(printed.join('\n'), home), normalizeOutput(block.lines.join('\n')), `${block.file}:${block.start + 1} is not what the commands print`)
    })
  }
})

/** Replaces a block's lines in its document (DECNET_WRITE_EXAMPLES=1); found again by its place, as blocks above it may have grown. */
function writeBack(block: FencedBlock, lines: readonly string[]): void {
  const path = join(REPO, block.file)
  const all = readFileSync(path, 'utf8').split('\n')
  const current = fencedBlocks(block.file, all.join('\n'))[block.index]
  assert.equal(current?.scenario, block.scenario, `${block.file}: block ${block.index} moved while writing`)
  assert.ok(current)
  const indent = all[current.start].slice(0, all[current.start].indexOf('`'))
  all.splice(current.start + 1, current.end - current.start - 1, ...lines.map((line) => (line === '' ? '' : indent + line)))
  writeFileSync(path, all.join('\n'))
}
