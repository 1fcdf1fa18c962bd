/**
 * Closing descriptors a child inherited by accident. The supervisor gives a
 * child only /dev/null, its two output pipes and its IPC channel (fds 0-3),
 * but exec keeps every descriptor that lacks close-on-exec, and the master
 * may hold some it inherited itself (a shell's `exec 5>file`, a launcher's
 * pipe): node and libuv open everything close-on-exec, those are not. The
 * child entry imports this file, so it uses node builtins only.
 */
import {closeSync, readdirSync, readFileSync, readlinkSync} from 'node:fs'

/** O_CLOEXEC as /proc/PID/fdinfo shows it (octal `flags:`), on every Linux architecture node runs on. */
const O_CLOEXEC = 0o2000000

/** The highest descriptor the supervisor gives a child on purpose: 0 stdin, 1 stdout, 2 stderr, 3 IPC. */
const LAST_GIVEN_FD = 3

/** A descriptor closed by {@link closeInheritedDescriptors}. */
export interface ClosedDescriptor {
  readonly fd: number
  /** What it pointed to (`/dev/pts/0`, `pipe:[1234]`), or `?`. */
  readonly target: string
}

/**
 * Closes every descriptor above 3 that this process did not open itself
 * (no close-on-exec flag: it came through exec). Call it before any worker
 * code runs. Without /proc it does nothing.
 *
 * @returns what it closed.
 *
 * @example
 * ```ts
 * closeInheritedDescriptors()  // [{fd: 5, target: '/var/log/root-only.log'}]
 * ```
 */
export function closeInheritedDescriptors(): ClosedDescriptor[] {
  let names: string[]
  try {
    names = readdirSync('/proc/self/fd')
  } catch {
    // No procfs: nothing can be listed (and nothing was on Linux without /proc mounted).
    return []
  }

  const closed: ClosedDescriptor[] = []
  for (const name of names) {
    const fd = Number(name)
    if (!Number.isInteger(fd) || fd <= LAST_GIVEN_FD) continue
    const flags = descriptorFlags(fd)
    // Gone already (the directory listing's own descriptor), or opened here (close-on-exec).
    if (flags === undefined || (flags & O_CLOEXEC) !== 0) continue
    const target = describeDescriptor(fd)
    try {
      closeSync(fd)
      closed.push({fd, target})
    } catch {
      // Closed meanwhile: it is gone either way.
    }
  }

  return closed
}

function descriptorFlags(fd: number): number | undefined {
  try {
    const match = /^flags:\s*([0-7]+)$/m.exec(readFileSync(`/proc/self/fdinfo/${fd}`, 'utf8'))
    return match ? Number.parseInt(match[1], 8) : undefined
  } catch {
    // The descriptor is no longer open.
    return undefined
  }
}

function describeDescriptor(fd: number): string {
  try {
    return readlinkSync(`/proc/self/fd/${fd}`)
  } catch {
    // Unreadable link: still close it.
    return '?'
  }
}
