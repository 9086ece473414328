// `npm ci` on a clean clone needs every optional platform package in the lockfile (see scripts/complete-lockfile.mjs).
import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { it } from 'node:test'

it('package-lock.json lists every optional dependency, so npm ci accepts it', () => {
  const lock = JSON.parse(readFileSync(new URL('../package-lock.json', import.meta.url), 'utf8'))
  const missing: string[] = []
  for (const entry of Object.values(lock.packages) as { optionalDependencies?: Record<string, string> }[]) {
    for (const name of Object.keys(entry.optionalDependencies ?? {})) {
      if (!lock.packages[`node_modules/${name}`]) missing.push(name)
    }
  }
  assert.deepEqual(missing, [], 'run `node scripts/complete-lockfile.mjs` after npm install')
})
