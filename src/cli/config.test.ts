// Tests for the CLI's token file: stored owner-only even over an existing, wider file.
import assert from 'node:assert/strict'
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, describe, it } from 'node:test'
import { resolveToken, storeToken, TOKEN_FILE } from './config.ts'

const home = mkdtempSync(join(tmpdir(), 'coffer-cli-home-'))
after(() => rmSync(home, { recursive: true, force: true }))

describe('storeToken', () => {
  it('makes a pre-existing 0644 token file 0600 under umask 022, and the token reads back', () => {
    const previous = process.umask(0o022)
    try {
      const file = join(home, TOKEN_FILE)
      writeFileSync(file, 'old-token', { mode: 0o644 })
      assert.equal(storeToken(home, 'new-token'), file)
      assert.equal((statSync(file).mode & 0o777).toString(8), '600')
      assert.equal(readFileSync(file, 'utf8'), 'new-token')
      assert.equal(resolveToken({}, home), 'new-token')
    } finally {
      process.umask(previous)
    }
  })
})
