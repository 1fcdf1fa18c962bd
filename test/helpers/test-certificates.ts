/**
 * Test certificates made by the openssl CLI: a CA, a server certificate for
 * 127.0.0.1, a client certificate the CA signed, and a client certificate of
 * another CA (for the mutual TLS tests of the syslog receiver and the collect
 * fleet).
 */
import {execFileSync} from 'node:child_process'
import {writeFileSync} from 'node:fs'
import {join} from 'node:path'

/** A CA, the receiver's certificate (for 127.0.0.1), a client certificate it signed, and a client certificate of another CA. */
export function makeCertificates(dir: string): Record<string, string> {
  const run = (...args: string[]): void => void execFileSync('openssl', args, {cwd: dir, stdio: 'pipe'})
  const key = (name: string): void => run('genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-out', `${name}.key`)
  for (const ca of ['ca', 'rogue-ca']) {
    key(ca)
    run('req', '-x509', '-new', '-key', `${ca}.key`, '-out', `${ca}.crt`, '-subj', `/CN=decnet test ${ca}`, '-days', '2')
  }

  writeFileSync(join(dir, 'server.ext'), 'subjectAltName=IP:127.0.0.1\nextendedKeyUsage=serverAuth\n')
  writeFileSync(join(dir, 'client.ext'), 'extendedKeyUsage=clientAuth\n')
  for (const [name, ca, ext] of [['server', 'ca', 'server.ext'], ['client', 'ca', 'client.ext'], ['rogue', 'rogue-ca', 'client.ext']] as const) {
    key(name)
    run('req', '-new', '-key', `${name}.key`, '-out', `${name}.csr`, '-subj', `/CN=decnet test ${name}`)
    run('x509', '-req', '-in', `${name}.csr`, '-CA', `${ca}.crt`, '-CAkey', `${ca}.key`, '-CAcreateserial', '-out', `${name}.crt`, '-days', '2', '-extfile', ext)
  }

  return Object.fromEntries(['ca', 'server', 'client', 'rogue'].flatMap((name) => [[`${name}.crt`, join(dir, `${name}.crt`)], [`${name}.key`, join(dir, `${name}.key`)]]))
}

export function opensslMissing(): string | undefined {
  try {
    execFileSync('openssl', ['version'], {stdio: 'pipe'})
    return undefined
  } catch {
    return 'the openssl CLI is not installed: cannot make test certificates (apt-get install openssl)'
  }
}
