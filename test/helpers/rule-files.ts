/** Rule files for tests of the rule loader and the `rules` commands: a valid rule to vary, and a folder holding rules. */
import {mkdtempSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import type {TestContext} from 'node:test'

/** A temporary folder, removed after the test. */
export function tempDir(t: TestContext): string {
  const dir = mkdtempSync(join(tmpdir(), 'decnet-attack-'))
  t.after(() => rmSync(dir, {force: true, recursive: true}))
  return dir
}

/** A valid command rule (T1059.004 under Execution, with examples that hold), with `overrides` applied. */
export function rule(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    confidence: 0.5,
    description: 'Runs the test tool',
    emits: [{subTechnique: 'T1059.004', tactic: 'TA0002', technique: 'T1059'}],
    examples: {match: ['testtool -x'], noMatch: ['echo testtool']},
    field: 'command',
    id: 'local.test-tool',
    pattern: '{{cmd}}testtool{{end}}',
    version: 1,
    ...overrides,
  }
}

/** A temporary rules folder holding `rules` as local.json. */
export function rulesDir(t: TestContext, rules: unknown[]): string {
  const dir = tempDir(t)
  writeFileSync(join(dir, 'local.json'), JSON.stringify(rules))
  return dir
}
