// Who may import whom (docs/architecture.md, "Layout"): each rule names a folder of src/ and the
// folders its modules must never reach by a relative import. The walk reads the TypeScript sources.
import assert from 'node:assert/strict'
import {readdirSync, readFileSync} from 'node:fs'
import {dirname, join, relative, resolve} from 'node:path'
import {describe, it} from 'node:test'

import {REPO} from '../helpers/decnet-cli.js'

const SRC = join(REPO, 'src')
const SPECIFIERS = /(?:^|[\s;])(?:import|export)\s[^'"]*?from\s*['"]([^'"]+)['"]|\bimport\s*\(\s*['"]([^'"]+)['"]\s*\)|^import\s+['"]([^'"]+)['"]/gm

function sourcesUnder(dir: string): string[] {
  return readdirSync(dir, {recursive: true, withFileTypes: true})
    .filter((entry) => entry.isFile() && entry.name.endsWith('.ts'))
    .map((entry) => join(entry.parentPath ?? entry.path, entry.name))
}

/** `src/`-relative paths of the modules `file` imports directly (type-only imports included). */
function importsOf(file: string): string[] {
  const found: string[] = []
  for (const match of readFileSync(file, 'utf8').matchAll(SPECIFIERS)) {
    const specifier = match[1] ?? match[2] ?? match[3]
    if (specifier.startsWith('.')) found.push(relative(SRC, resolve(dirname(file), specifier)).replace(/\.js$/, '.ts'))
  }
  return found
}

const RULES = [
  {from: 'workers/', never: ['cli/', 'commands/', 'control/', 'systemd/', 'fleets/registry.ts']},
  {from: 'ttp/', never: ['workers/', 'cli/', 'commands/', 'prefork/', 'control/', 'db/'], allow: ['db/schema.ts']},
  {from: 'db/migrations/', never: ['workers/', 'ttp/', 'cli/', 'commands/', 'attackers/']},
  {from: 'util/', never: ['']},
  {from: 'logs/', never: ['workers/', 'ttp/', 'db/', 'cli/', 'commands/', 'prefork/'], allow: ['db/schema.ts']},
  {from: 'db/', never: ['workers/', 'ttp/', 'cli/', 'commands/', 'attackers/']},
  {from: 'prefork/', never: ['cli/', 'commands/', 'workers/', 'db/']},
  {from: 'attackers/', never: ['workers/', 'cli/', 'commands/']},
  {from: 'ingest/', never: ['workers/', 'cli/', 'commands/']},
  {from: 'export/', never: ['workers/', 'cli/', 'commands/', 'prefork/', 'control/', 'fleets/', 'ingest/']},
  {from: 'alerts/', never: ['workers/', 'ttp/', 'db/', 'cli/', 'commands/', 'prefork/', 'control/', 'fleets/', 'attackers/']},
  {from: 'enrich/', never: ['workers/', 'ttp/', 'db/', 'cli/', 'commands/', 'prefork/', 'attackers/']},
]

describe('layering', () => {
  const files = sourcesUnder(SRC).map((file) => ({file, path: relative(SRC, file)}))

  it('finds the sources and their imports', () => {
    assert.ok(files.length > 100, `${files.length} sources`)
    const profiler = files.find((f) => f.path === 'workers/profiler/profiler.ts')
    assert.ok(profiler && importsOf(profiler.file).includes('util/chunks.ts'), 'the walk resolves relative imports')
  })

  for (const rule of RULES) {
    it(`src/${rule.from} never imports ${rule.never.map((n) => `src/${n}`).join(', ')}`, () => {
      const broken = []
      for (const {file, path} of files.filter((f) => f.path.startsWith(rule.from))) {
        for (const target of importsOf(file)) {
          // util/ may import only util/; every other folder is checked against its list
          const forbidden = rule.from === 'util/' ? !target.startsWith('util/') : rule.never.some((n) => target.startsWith(n))
          // a rule's `allow` lists type-only modules (the schema's row types) inside a forbidden folder
          if (forbidden && !target.startsWith(rule.from) && !(rule.allow ?? []).includes(target)) broken.push(`${path} -> ${target}`)
        }
      }
      assert.deepEqual(broken, [])
    })
  }

  it('has no import circle (type-only imports included): no module reaches itself through what it imports', () => {
    const graph = new Map(files.map(({file, path}) => [path, importsOf(file)]))
    assert.deepEqual(importCircles(graph), [])
  })

  it('finds an import circle when there is one', () => {
    const graph = new Map([['a.ts', ['b.ts']], ['b.ts', ['c.ts', 'util/x.ts']], ['c.ts', ['a.ts']], ['util/x.ts', []], ['d.ts', ['d.ts']]])
    assert.deepEqual(importCircles(graph), ['a.ts -> b.ts -> c.ts -> a.ts', 'd.ts -> d.ts'])
  })
})

/**
 * Every import circle of `graph` (module -> the modules it imports), each once, as
 * `a -> b -> a`: a depth-first walk that reports the path back to a module still on it.
 */
function importCircles(graph: ReadonlyMap<string, readonly string[]>): string[] {
  const circles: string[] = []
  const done = new Set<string>()
  const path: string[] = []
  const visit = (module: string): void => {
    const at = path.indexOf(module)
    if (at !== -1) {
      circles.push([...path.slice(at), module].join(' -> '))
      return
    }

    if (done.has(module)) return
    path.push(module)
    for (const target of graph.get(module) ?? []) visit(target)
    path.pop()
    done.add(module)
  }

  for (const module of [...graph.keys()].sort()) visit(module)
  return circles
}
