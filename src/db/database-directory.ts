import {mkdirSync} from 'node:fs'
import {dirname} from 'node:path'

/**
 * Creates the default database's directory (`<data dir>/db`) where it is
 * missing: 0700, for the database and its -wal and -shm files only, and the
 * directories above it 0755 (as oclif makes the data directory), so that a
 * fleet's `--user` can reach the one directory it is given. Node builtins
 * only: the fleet master calls it, and must not load a database driver.
 *
 * @throws the file system's error when a directory cannot be made.
 * @example
 * ```ts
 * makeDatabaseDirectory(defaultDatabaseDirectory(config.dataDir))
 * ```
 */
export function makeDatabaseDirectory(dir: string): void {
  mkdirSync(dirname(dir), {mode: 0o755, recursive: true})
  mkdirSync(dir, {mode: 0o700, recursive: true})
}
