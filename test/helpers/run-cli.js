/**
 * Runs `node bin/run.js ...` as a real process and collects its output.
 * Options: input (written to stdin, then closed), env (merged), uid/gid,
 * timeoutMs (the process is killed and the promise rejects after it).
 */
import {spawn} from 'node:child_process'
import {fileURLToPath} from 'node:url'

export const BIN = fileURLToPath(new URL('../../bin/run.js', import.meta.url))

export function runCli(args, options = {}) {
  const child = spawn(process.execPath, [BIN, ...args], {
    env: {...process.env, DEBUG: '', ...options.env},
    stdio: ['pipe', 'pipe', 'pipe'],
    uid: options.uid,
    gid: options.gid,
  })
  return collect(child, options)
}

/** Waits for a spawned process to exit: {code, signal, stdout, stderr, pid}. */
export function collect(child, options = {}) {
  let stdout = ''
  let stderr = ''
  child.stdout.setEncoding('utf8').on('data', (data) => (stdout += data))
  child.stderr.setEncoding('utf8').on('data', (data) => (stderr += data))
  if (options.input !== undefined) child.stdin.end(options.input)
  else if (!options.keepStdin) child.stdin.end()
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL')
      reject(new Error(`timed out after ${options.timeoutMs ?? 60_000} ms: ${stderr}`))
    }, options.timeoutMs ?? 60_000)
    child.once('error', reject)
    child.once('close', (code, signal) => {
      clearTimeout(timer)
      resolve({code, signal, stdout, stderr, pid: child.pid})
    })
  })
}
