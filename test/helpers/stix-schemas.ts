/**
 * The OASIS STIX 2.1 JSON schemas (test/fixtures/stix2.1, BSD-3: LICENSE
 * beside them) compiled with ajv, to check every object an export writes.
 */
import {readdirSync, readFileSync} from 'node:fs'
import {join} from 'node:path'

import {Ajv2020, type ValidateFunction} from 'ajv/dist/2020.js'
import addFormats from 'ajv-formats'

import {REPO} from './decnet-cli.js'

const SCHEMAS = join(REPO, 'test', 'fixtures', 'stix2.1', 'schemas')
const BASE = 'http://raw.githubusercontent.com/oasis-open/cti-stix2-json-schemas/stix2.1/schemas/'

/** A validator per STIX type, and one for a bundle. */
export interface StixValidators {
  /** The problems of `object` against its type's schema (empty when valid); an unknown type is a problem. */
  problems(object: Record<string, unknown>): string[]
  /** The problems of `bundle` against bundle.json. */
  bundleProblems(bundle: unknown): string[]
}

/** Compiles the schemas once. */
export function stixValidators(): StixValidators {
  const ajv = new Ajv2020({allErrors: true, strict: false, unicodeRegExp: false}) // the OASIS patterns escape `-`, which a `u` RegExp refuses
  addFormats.default(ajv)
  // ajv-formats has no IDN formats; only domain-name and email-addr use them, which exports do not write
  for (const format of ['idn-hostname', 'idn-email']) ajv.addFormat(format, true)
  const byType = new Map<string, ValidateFunction>()
  for (const folder of ['common', 'observables', 'sdos', 'sros']) {
    for (const file of readdirSync(join(SCHEMAS, folder))) ajv.addSchema(JSON.parse(readFileSync(join(SCHEMAS, folder, file), 'utf8')) as object)
  }

  for (const folder of ['observables', 'sdos', 'sros']) {
    for (const file of readdirSync(join(SCHEMAS, folder))) byType.set(file.replace(/\.json$/, ''), ajv.getSchema(`${BASE}${folder}/${file}`)!)
  }

  const bundle = ajv.getSchema(`${BASE}common/bundle.json`)!
  const report = (validate: ValidateFunction) => (validate.errors ?? []).map((error) => `${error.instancePath} ${error.message ?? ''} ${JSON.stringify(error.params)}`)
  return {
    bundleProblems(value: unknown) {
      return bundle(value) ? [] : report(bundle)
    },
    problems(object: Record<string, unknown>) {
      const validate = byType.get(String(object.type))
      if (validate === undefined) return [`no STIX 2.1 schema for type ${String(object.type)}`]
      return validate(object) ? [] : report(validate)
    },
  }
}
