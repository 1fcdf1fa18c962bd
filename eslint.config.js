// ESLint (flat config): typescript-eslint's recommended type-checked rules over
// src/ and the TypeScript tests, and the import order the code follows.
// `npm run lint`; `npm test` runs it first.
import {defineConfig} from 'eslint/config'
import importX from 'eslint-plugin-import-x'
import tseslint from 'typescript-eslint'

export default defineConfig(
  {ignores: ['dist/', 'node_modules/', 'bench/', 'bin/', 'test/fixtures/', '**/*.js', '**/*.mjs']},
  {
    files: ['src/**/*.ts', 'test/**/*.ts'],
    extends: [tseslint.configs.recommendedTypeChecked],
    languageOptions: {
      // each file's nearest tsconfig.json: src/ the root one, test/ test/tsconfig.json
      parserOptions: {projectService: true, tsconfigRootDir: import.meta.dirname},
    },
    plugins: {'import-x': importX},
    rules: {
      // The code stringifies values of unknown JSON (log fields, column values) on purpose; once
      // narrowed past null and undefined TypeScript calls such a value `{}`, which this rule takes
      // for a plain object. Anything with a real object type is still checked.
      '@typescript-eslint/no-base-to-string': ['error', {ignoredTypeNames: ['Error', 'RegExp', 'URL', 'URLSearchParams', '{}']}],
      // Off: kysely's driver and dialect interfaces and oclif's hooks want functions returning a
      // promise; `async` on one that awaits nothing is how the code says so, and it turns a throw
      // into a rejection, which is what their callers handle.
      '@typescript-eslint/require-await': 'off',
      // What is outside the project (node builtins and packages, types first or not) comes first,
      // then the project's own modules; a blank line between the two. Inside a group the code
      // often sets type imports apart with a blank line, so blank lines there are allowed.
      'import-x/order': [
        'error',
        {
          groups: [['builtin', 'external'], ['parent', 'sibling', 'index']],
          'newlines-between': 'always-and-inside-groups',
        },
      ],
    },
  },
  {
    // Migrations are frozen history written against `Kysely<any>`, kysely's own advice: a
    // migration must not depend on today's schema type, so what its queries return is `any`.
    files: ['src/db/migrations/**/*.ts'],
    rules: {
      '@typescript-eslint/no-explicit-any': 'off',
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
    },
  },
  {
    files: ['test/**/*.ts'],
    rules: {
      // node:test's describe() and it() return promises that the runner itself awaits.
      '@typescript-eslint/no-floating-promises': [
        'error',
        {allowForKnownSafeCalls: [{from: 'package', name: ['describe', 'it', 'suite', 'test'], package: 'node:test'}]},
      ],
      // Tests read what the CLI printed (`JSON.parse` gives `any`) and some still import helpers
      // written in JavaScript; the assertion that follows is the check, so `any` flowing into it is not.
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-return': 'off',
      // Tests compare a row without some of its fields by destructuring them away
      // (`({id, ...row}) => row`); a name dropped beside a rest element is the point, not a leftover.
      '@typescript-eslint/no-unused-vars': ['error', {ignoreRestSiblings: true}],
    },
  },
)
