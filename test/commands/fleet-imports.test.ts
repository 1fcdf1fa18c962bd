// The fleet master never opens a database: `decnet fleet` must not even load a driver.
// And it starts lean: what it loads before forking is what it carries (docs/benchmarks.md).
import assert from 'node:assert/strict'
import {mkdtempSync, readFileSync, rmSync} from 'node:fs'
import {dirname, join, resolve} from 'node:path'
import {it} from 'node:test'

import {EXIT, linkedDataDir, REPO, runDecnet} from '../helpers/decnet-cli.js'

const SPECIFIERS = /(?:^|[\s;])(?:import|export)\s[^'"]*?from\s*['"]([^'"]+)['"]|\bimport\s*\(\s*['"]([^'"]+)['"]\s*\)|^import\s+['"]([^'"]+)['"]/gm

/** Every package the module at `entry` reaches through relative imports (static and literal dynamic ones). */
function packagesReachedFrom(entry: string): {files: Set<string>; packages: Set<string>} {
  const seen = new Set<string>()
  const packages = new Set<string>()
  const visit = (file: string): void => {
    if (seen.has(file)) return
    seen.add(file)
    for (const match of readFileSync(file, 'utf8').matchAll(SPECIFIERS)) {
      const specifier = match[1] ?? match[2] ?? match[3] ?? ''
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
  assert.ok([...packages].some((p) => p.startsWith('@oclif/core')), 'the walk sees package imports')
  const drivers = [...packages].filter((p) => /^(kysely|pg|better-sqlite3)(\/|$)/.test(p))
  assert.deepEqual(drivers, [], `reached from: ${[...files].map((f) => f.slice(REPO.length)).join(', ')}`)
})

it("a running fleet's master has loaded no database driver, no kysely, and nothing of oclif (bin/run.js's lean path)", async (t) => {
  const {env} = linkedDataDir(t, ['decnet-plugin-probe'])
  const dir = mkdtempSync('/tmp/decnet-modules-')
  t.after(() => rmSync(dir, {force: true, recursive: true}))
  const record = join(dir, 'modules.txt')
  const preload = join(REPO, 'test', 'fixtures', 'record-modules.mjs')
  // as root the probe fleet's workers must drop to a user (as an ordinary user there is nothing to drop)
  const drop = process.getuid?.() === 0 ? ['--user', 'nobody'] : []
  const args = ['fleet', 'probe', '--once', ...drop, '--db', `sqlite:${join(dir, 'db.sqlite')}`]
  const run = await runDecnet(t, args, {env: {...env, NODE_OPTIONS: `--import ${preload}`, RECORD_MODULES_FILE: record}})
  assert.equal(run.code, EXIT.OK, run.stderr)

  const loaded = [...new Set(readFileSync(record, 'utf8').split('\n').filter(Boolean))]
  assert.ok(loaded.some((file) => file.endsWith('/dist/prefork/supervisor.js')), 'the recording saw the master start the supervisor')
  const packageOf = (file: string): string | undefined => /node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(file)?.[1]
  const drivers = loaded.filter((file) => /^(kysely|pg|pg-\w+|better-sqlite3)$/.test(packageOf(file) ?? ''))
  assert.deepEqual(drivers, [])
  // `decnet fleet NAME` starts without oclif (src/cli/lean-fleet.ts): its config, parser and plugin loading
  // cost the master about 12 MiB it would carry as long as the fleet runs.
  assert.deepEqual(loaded.filter((file) => /^@oclif\//.test(packageOf(file) ?? '') || packageOf(file) === 'semver'), [])
  assert.ok(loaded.some((file) => file.endsWith('/dist/cli/lean-fleet.js')), 'the master took the lean path')
  // The rule engine (loader, schema, matcher, rule state) stays in the ttp worker: the master only names the rule state file.
  assert.deepEqual(loaded.filter((file) => /\/dist\/ttp\/(?!rule-state-path\.js$|catalog-store\.js$|attack-catalog\.js$)[^/]+\.js$/.test(file)), [])
  assert.ok(loaded.some((file) => file.endsWith('/dist/ttp/rule-state-path.js')), 'the master names the rule state file for its workers')
  // --daemon's launcher (and the log reader it brings) is loaded only with --daemon.
  assert.deepEqual(loaded.filter((file) => /\/dist\/control\/(launch-daemon|log-file)\.js$/.test(file)), [])
})

it("a plugin's init hook still runs before `decnet fleet NAME`: the lean path leaves that command to oclif", async (t) => {
  const {dir: data, env} = linkedDataDir(t, ['decnet-plugin-marker', 'decnet-plugin-probe'])
  const record = join(data, 'modules.txt')
  const marker = join(data, 'marker.txt')
  const preload = join(REPO, 'test', 'fixtures', 'record-modules.mjs')
  const drop = process.getuid?.() === 0 ? ['--user', 'nobody'] : []
  const args = ['fleet', 'probe', '--once', ...drop, '--db', `sqlite:${join(data, 'db.sqlite')}`]
  const run = await runDecnet(t, args, {env: {...env, DECNET_TEST_MARKER: marker, NODE_OPTIONS: `--import ${preload}`, RECORD_MODULES_FILE: record}})
  assert.equal(run.code, EXIT.OK, run.stderr)
  assert.match(readFileSync(marker, 'utf8'), /^uid \d+$/m)
  const loaded = readFileSync(record, 'utf8').split('\n')
  assert.ok(loaded.some((file) => file.endsWith('/@oclif/core/lib/config/config.js')), 'oclif ran the command')
})
