// The fleet master never opens a database: `decnet fleet` must not even load a driver.
import assert from 'node:assert/strict'
import {readFileSync} from 'node:fs'
import {dirname, resolve} from 'node:path'
import {it} from 'node:test'

import {REPO} from '../helpers/decnet-cli.js'

const SPECIFIERS = /(?:^|[\s;])(?:import|export)\s[^'"]*?from\s*['"]([^'"]+)['"]|\bimport\s*\(\s*['"]([^'"]+)['"]\s*\)|^import\s+['"]([^'"]+)['"]/gm

/** Every package the module at `entry` reaches through relative imports (static and literal dynamic ones). */
function packagesReachedFrom(entry) {
  const seen = new Set()
  const packages = new Set()
  const visit = (file) => {
    if (seen.has(file)) return
    seen.add(file)
    for (const match of readFileSync(file, 'utf8').matchAll(SPECIFIERS)) {
      const specifier = match[1] ?? match[2] ?? match[3]
      if (specifier.startsWith('.')) visit(resolve(dirname(file), specifier))
      else packages.add(specifier)
    }
  }

  visit(entry)
  return {files: seen, packages}
}

it('the fleet command reaches no database driver and no kysely', () => {
  const {files, packages} = packagesReachedFrom(resolve(REPO, 'dist/commands/fleet/index.js'))
  assert.ok(files.size > 5, 'the walk followed the relative imports')
  assert.ok(packages.has('@oclif/core'), 'the walk sees package imports')
  const drivers = [...packages].filter((p) => /^(kysely|pg|better-sqlite3)(\/|$)/.test(p))
  assert.deepEqual(drivers, [], `reached from: ${[...files].map((f) => f.slice(REPO.length)).join(', ')}`)
})
