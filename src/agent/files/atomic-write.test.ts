// Atomic file replacement: the configured mode, an existing file's own mode when none is configured, and a planted
// symlink replaced rather than followed.
import assert from 'node:assert/strict'
import {
  chmodSync,
  lstatSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, test } from 'node:test'
import { writeFileAtomic } from './atomic-write.ts'

const dir = mkdtempSync(join(tmpdir(), 'coffer-atomic-'))
after(() => rmSync(dir, { recursive: true, force: true }))

const modeOf = (path: string) => statSync(path).mode & 0o777

test('without a configured mode an existing file keeps its own; a new file gets 0644', () => {
  const tightened = join(dir, 'tightened')
  writeFileSync(tightened, 'old')
  chmodSync(tightened, 0o600)
  writeFileAtomic(tightened, 'secret', undefined)
  assert.equal(readFileSync(tightened, 'utf8'), 'secret')
  assert.equal(modeOf(tightened), 0o600, 'an operator-tightened file is not widened')
  const fresh = join(dir, 'fresh')
  writeFileAtomic(fresh, 'x', undefined)
  assert.equal(modeOf(fresh), 0o644)
})

test('a configured mode is applied whatever the file had', () => {
  const file = join(dir, 'configured')
  writeFileSync(file, 'old')
  chmodSync(file, 0o644)
  writeFileAtomic(file, 'secret', 0o640)
  assert.equal(modeOf(file), 0o640)
})

test('a symlink at the destination is replaced, not followed, and lends no mode', () => {
  const victim = join(dir, 'victim')
  writeFileSync(victim, 'keep me')
  chmodSync(victim, 0o666)
  const destination = join(dir, 'linked')
  symlinkSync(victim, destination)
  writeFileAtomic(destination, 'secret', undefined)
  assert.equal(readFileSync(victim, 'utf8'), 'keep me')
  assert.ok(lstatSync(destination).isFile())
  assert.equal(modeOf(destination), 0o644)
})
