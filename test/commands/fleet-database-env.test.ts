// `PGPASSWORD=x decnet fleet heavy --db postgres://...`: the heavy fleet's workers (profile
// 'database') must see libpq's settings. A small PostgreSQL stand-in runs the first steps of SCRAM
// with every connection (as a real server with scram-sha-256 would): a client that has a password
// answers the server-first-message with its proof; one without fails with
// "SASL: SCRAM-SERVER-FIRST-MESSAGE: client password must be a string".
import assert from 'node:assert/strict'
import {once} from 'node:events'
import {type AddressInfo, createServer, type Server} from 'node:net'
import {test, type TestContext} from 'node:test'

import {linkedDataDir, startDecnet} from '../helpers/decnet-cli.js'

const isRoot = process.getuid?.() === 0

/** One authentication message (`R`): its code, then `body`. */
function authMessage(code: number, body = Buffer.alloc(0)): Buffer {
  const head = Buffer.alloc(9)
  head.write('R', 0)
  head.writeInt32BE(8 + body.length, 1)
  head.writeInt32BE(code, 5)
  return Buffer.concat([head, body])
}

/** A server that demands SCRAM-SHA-256 of every client; emits `password` when a client sends its proof (it has one). */
async function scramDemandingServer(t: TestContext): Promise<Server> {
  const server = createServer((socket) => {
    let buffered = Buffer.alloc(0)
    let started = false
    socket.on('error', () => {})
    socket.on('data', (chunk) => {
      buffered = Buffer.concat([buffered, chunk])
      for (;;) {
        if (!started) {
          if (buffered.length < 8) return
          const length = buffered.readInt32BE(0)
          if (buffered.length < length) return
          const code = buffered.readInt32BE(4)
          buffered = buffered.subarray(length)
          if (code === 80_877_103) {
            socket.write('N') // SSLRequest: no TLS here
            continue
          }

          started = true
          socket.write(authMessage(10, Buffer.from('SCRAM-SHA-256\0\0'))) // AuthenticationSASL
          continue
        }

        if (buffered.length < 5) return
        const type = String.fromCharCode(buffered[0])
        const length = buffered.readInt32BE(1)
        if (buffered.length < length + 1) return
        const body = buffered.subarray(5, length + 1).toString('latin1')
        buffered = buffered.subarray(length + 1)
        const nonce = /r=([^,]+)/.exec(body)?.[1]
        if (type === 'p' && body.startsWith('SCRAM-SHA-256\0') && nonce) {
          // SASLInitialResponse: answer with a server-first-message; only a client with a password can go on.
          const salt = Buffer.from('decnet-test-salt').toString('base64')
          socket.write(authMessage(11, Buffer.from(`r=${nonce}server,s=${salt},i=4096`))) // AuthenticationSASLContinue
          continue
        }

        if (type === 'p' && /^c=.*,p=/.test(body)) server.emit('password') // SASLResponse: the client's proof
        socket.destroy()
        return
      }
    })
  })
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  t.after(() => server.close())
  return server
}

test("PGPASSWORD reaches the heavy fleet's workers: they answer the server's SCRAM challenge with a password", async (t) => {
  const server = await scramDemandingServer(t)
  const offered = once(server, 'password')
  const data = linkedDataDir(t, [])
  const url = `postgres://decnet@127.0.0.1:${(server.address() as AddressInfo).port}/decnet`
  const args = ['fleet', 'heavy', '--db', url, ...(isRoot ? ['--user', 'nobody'] : [])]
  const fleet = startDecnet(t, args, {env: {...data.env, AWS_SECRET_ACCESS_KEY: 'not for workers', PGPASSWORD: 'x'}})
  // Whichever comes first: a worker offers a password, or one says it has none (the old failure).
  const passwordless = fleet.waitFor(/client password must be a string/).then(() => 'no password')
  passwordless.catch(() => {}) // rejected when the fleet is stopped below
  const first = await Promise.race([offered.then(() => 'offered'), passwordless])
  assert.equal(first, 'offered', fleet.output())
  fleet.child.kill('SIGTERM')
  await fleet.exited
  assert.doesNotMatch(fleet.output(), /client password must be a string/)
})
