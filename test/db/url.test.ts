import assert from 'node:assert/strict'
import {resolve} from 'node:path'
import {describe, test} from 'node:test'

import {chooseDatabase} from '../../src/db/database-choice.js'
import {DatabaseUrlError, defaultDatabaseUrl, parseDatabaseUrl} from '../../src/db/url.js'

describe('parseDatabaseUrl', () => {
  test('postgres:// and postgresql:// select PostgreSQL, kept as given', () => {
    assert.deepEqual(parseDatabaseUrl('postgres://decnet:pw@db.example:5433/decnet'), {kind: 'postgres', url: 'postgres://decnet:pw@db.example:5433/decnet'})
    assert.deepEqual(parseDatabaseUrl('postgresql://decnet@db/decnet?sslmode=require'), {kind: 'postgres', url: 'postgresql://decnet@db/decnet?sslmode=require'})
    assert.deepEqual(parseDatabaseUrl('postgres:///decnet?host=/run/postgresql'), {kind: 'postgres', url: 'postgres:///decnet?host=/run/postgresql'})
  })

  test('sqlite:PATH, sqlite://PATH and plain paths select SQLite, made absolute', () => {
    assert.deepEqual(parseDatabaseUrl('sqlite:/var/lib/decnet/d.sqlite'), {kind: 'sqlite', path: '/var/lib/decnet/d.sqlite'})
    assert.deepEqual(parseDatabaseUrl('sqlite:///var/lib/decnet/d.sqlite'), {kind: 'sqlite', path: '/var/lib/decnet/d.sqlite'})
    assert.deepEqual(parseDatabaseUrl('sqlite://data/d.sqlite'), {kind: 'sqlite', path: resolve('data/d.sqlite')})
    assert.deepEqual(parseDatabaseUrl('sqlite:d.sqlite'), {kind: 'sqlite', path: resolve('d.sqlite')})
    assert.deepEqual(parseDatabaseUrl('./x/d.sqlite'), {kind: 'sqlite', path: resolve('x/d.sqlite')})
    assert.deepEqual(parseDatabaseUrl('/abs/d.sqlite'), {kind: 'sqlite', path: '/abs/d.sqlite'})
    assert.deepEqual(parseDatabaseUrl('sqlite::memory:'), {kind: 'sqlite', path: ':memory:'})
  })

  test('junk is refused with an error naming the input', () => {
    const cases: Array<[string, RegExp | null]> = [
      ['', /bad database url "": it is empty/],
      ['   ', /it is empty/],
      ['mysql://root@db/x', /bad database url "mysql:\/\/root@db\/x": unsupported scheme "mysql:"/],
      ['sqlite:', /no file path after "sqlite:"/],
      ['sqlite://', /no file path after "sqlite:"/],
      ['postgres://', /bad database url "postgres:\/\/": no host/],
      ['postgres://u:p@[::1/x', /not a valid URL/],
      ['a\0b', /NUL byte/],
      // typos of a URL are not file names: they used to make a SQLite file called "postgres:/bad"
      ['postgres:/bad', /bad database url "postgres:\/bad": not a valid postgres URL: write postgres:\/\/USER@HOST\/DATABASE/],
      ['postgresql:db.example/decnet', /not a valid postgres URL/],
      ['postgres//db/x', null],
      ['mysql:/x', /unsupported scheme "mysql:"/],
      ['postgres:u:hunter2@db/x', /not a valid postgres URL/],
    ]
    for (const [input, message] of cases) {
      if (message === null) continue // a plain relative path (no scheme): still a file, see the next test
      assert.throws(() => parseDatabaseUrl(input), (error) => error instanceof DatabaseUrlError && message.test(error.message), input)
    }
  })

  test('a password never appears in the error', () => {
    assert.throws(() => parseDatabaseUrl('postgres://u:hunter2@[::1/x'), (error) => !(error as Error).message.includes('hunter2'))
    assert.throws(() => parseDatabaseUrl('postgres:/u:hunter2@db/x'), (error) => !(error as Error).message.includes('hunter2'))
  })

  test('a file whose name holds a colon is still reachable as a path (./x:y) or sqlite:x:y', () => {
    assert.deepEqual(parseDatabaseUrl('./a:b.sqlite'), {kind: 'sqlite', path: resolve('a:b.sqlite')})
    assert.deepEqual(parseDatabaseUrl('sqlite:a:b.sqlite'), {kind: 'sqlite', path: resolve('a:b.sqlite')})
  })
})

describe('chooseDatabase', () => {
  test('flag > DECNET_DB_URL > SQLite file in the data directory', () => {
    const env = {DECNET_DB_URL: 'postgres://env@db/x'}
    assert.equal(chooseDatabase({flag: 'sqlite:/f', env, dataDir: '/data'}).url, 'sqlite:/f')
    assert.equal(chooseDatabase({env, dataDir: '/data'}).url, 'postgres://env@db/x')
    assert.equal(chooseDatabase({flag: ' ', env: {DECNET_DB_URL: ''}, dataDir: '/data'}).url, 'sqlite:/data/db/decnet.sqlite')
    assert.equal(defaultDatabaseUrl('/home/op/.local/share/decnet'), 'sqlite:/home/op/.local/share/decnet/db/decnet.sqlite')
  })
})
