// No module-level mutable state outside thread entry modules (docs/architecture.md, "Layout"): a
// module's top level declares no `let`/`var`, and no Set, Map, WeakSet or WeakMap unless typed
// read-only (ReadonlySet, ReadonlyMap: the type checker then refuses any change). State lives in
// instances, so two of anything (supervisors, profilers, tests) never share it.
import assert from 'node:assert/strict'
import {readdirSync, readFileSync} from 'node:fs'
import {join, relative} from 'node:path'
import {describe, it} from 'node:test'
import {fileURLToPath} from 'node:url'

const SRC = fileURLToPath(new URL('../../src', import.meta.url))

/**
 * The entry modules of a thread or process, whose top level is the thread's own code: what they
 * hold lives and dies with the thread. Each with the reason it is one.
 */
const ENTRY_MODULES: ReadonlyMap<string, string> = new Map([
  ['ingest/parse-thread.ts', 'the worker thread that parses an ingest input: its flow control (lines in flight)'],
  ['ingest/follow/batcher-thread.ts', 'the worker thread that parses a followed file: the batcher of the file it is on'],
  ['workers/profiler/read/reader-thread.ts', "the profiler's reading thread: its queue of requests"],
])

/** `let`/`var` at the top level, or a top-level Set/Map/WeakSet/WeakMap whose declared type is not read-only. */
const MUTABLE = /^(?:export\s+)?(?:let|var)\s+(\w+)|^(?:export\s+)?const\s+(\w+)\s*(?::\s*([^=]+?))?\s*=\s*new\s+(?:Set|Map|WeakSet|WeakMap)\b/gm

/** The top-level mutable declarations of a module's text, by name (top level: at column 0, as the code is formatted). */
function mutableState(text: string): string[] {
  const found: string[] = []
  for (const match of text.matchAll(MUTABLE)) {
    const [, variable, constant, type] = match
    if (variable !== undefined) found.push(variable)
    else if (!/^Readonly(?:Set|Map)\b/.test(type?.trim() ?? '')) found.push(constant)
  }

  return found
}

function sources(): string[] {
  return readdirSync(SRC, {recursive: true, withFileTypes: true})
    .filter((entry) => entry.isFile() && entry.name.endsWith('.ts'))
    .map((entry) => relative(SRC, join(entry.parentPath, entry.name)))
}

describe('module-level state', () => {
  it('is declared only by thread entry modules', () => {
    const files = sources()
    assert.ok(files.length > 100, `${files.length} sources`)
    const found = files
      .filter((path) => !ENTRY_MODULES.has(path))
      .flatMap((path) => mutableState(readFileSync(join(SRC, path), 'utf8')).map((name) => `${path}: ${name}`))
    assert.deepEqual(found, [])
  })

  it('names entry modules that exist', () => {
    const files = new Set(sources())
    for (const path of ENTRY_MODULES.keys()) assert.ok(files.has(path), `${path} is listed as an entry module but is not in src/`)
  })

  it('finds lets, vars and collections that are not typed read-only, at the top level only', () => {
    const text = [
      'let count = 0',
      'export let shared: string[] = []',
      'var old = 1',
      'const seen = new WeakSet<object>()',
      'export const byName = new Map<string, number>()',
      'const typed: Set<string> = new Set()',
      'const fine: ReadonlySet<string> = new Set([\'a\'])',
      'export const alsoFine: ReadonlyMap<string, number> = new Map()',
      'class X {',
      '  readonly #rows = new Map<string, number>()',
      '  run() {',
      '    let local = 1',
      '  }',
      '}',
      'function f() {',
      '  const inner = new Set()',
      '}',
    ].join('\n')
    assert.deepEqual(mutableState(text), ['count', 'shared', 'old', 'seen', 'byName', 'typed'])
  })
})
