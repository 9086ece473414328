#!/usr/bin/env node
// Adds lockfile entries for platform-specific optional packages that this machine's registry does not serve.
// npm then drops them from package-lock.json, and `npm ci` refuses a lockfile missing them; each entry records
// the package's os/cpu so `npm ci` skips it here without fetching. Run after `npm install` changes the lock.
import { readFileSync, writeFileSync } from 'node:fs'

const file = new URL('../package-lock.json', import.meta.url)
const lock = JSON.parse(readFileSync(file, 'utf8'))
const packages = lock.packages
let added = 0
for (const [path, entry] of Object.entries(packages)) {
  for (const [name, version] of Object.entries(entry.optionalDependencies ?? {})) {
    const key = `node_modules/${name}`
    if (packages[key]) continue
    const m = /-(linux|darwin|win32|android|freebsd)-(x64|arm64|ia32|arm)(-musl)?$/.exec(name)
    if (!m) throw new Error(`${path}: cannot infer the platform of optional dependency ${name}`)
    packages[key] = {
      version: version.replace(/^[\^~]/, ''),
      cpu: [m[2]],
      ...(entry.dev ? { dev: true } : {}),
      ...(m[3] ? { libc: ['musl'] } : {}),
      license: entry.license,
      optional: true,
      os: [m[1]],
    }
    added++
  }
}
lock.packages = Object.fromEntries(
  Object.entries(packages).sort(([a], [b]) => (a === '' ? -1 : b === '' ? 1 : a < b ? -1 : 1)),
)
writeFileSync(file, `${JSON.stringify(lock, null, 2)}\n`)
process.stdout.write(`complete-lockfile: added ${added} entries\n`)
