// Tests for owner-only files: atomic 0600 writes over existing files, and tightening of existing ones.
import assert from 'node:assert/strict'
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, describe, it } from 'node:test'
import { preparePrivateFile, restrictToOwner, writePrivateFile } from './private-file.ts'

const root = mkdtempSync(join(tmpdir(), 'coffer-private-'))
after(() => rmSync(root, { recursive: true, force: true }))
let counter = 0
const fresh = (): string => join(root, `case-${++counter}`)
const modeOf = (path: string): string => (statSync(path).mode & 0o777).toString(8)

function withUmask<T>(mask: number, fn: () => T): T {
  const previous = process.umask(mask)
  try {
    return fn()
  } finally {
    process.umask(previous)
  }
}

describe('writePrivateFile', () => {
  it('writes a new file 0600 under umask 022, leaving no temporary file', () => {
    withUmask(0o022, () => {
      const dir = fresh()
      preparePrivateFile(join(dir, 'unused'), () => {})
      const file = join(dir, 'token')
      writePrivateFile(file, 'hvs.secret')
      assert.equal(readFileSync(file, 'utf8'), 'hvs.secret')
      assert.equal(modeOf(file), '600')
      assert.deepEqual(readdirSync(dir).sort(), ['token', 'unused'])
    })
  })

  it('replaces a pre-existing 0644 file with a 0600 one', () => {
    withUmask(0o022, () => {
      const file = join(root, `existing-${++counter}`)
      writeFileSync(file, 'old', { mode: 0o644 })
      assert.equal(modeOf(file), '644')
      writePrivateFile(file, 'new')
      assert.equal(readFileSync(file, 'utf8'), 'new')
      assert.equal(modeOf(file), '600')
    })
  })
})

describe('preparePrivateFile and restrictToOwner', () => {
  it('creates the file 0600 and its directory 0700 under umask 022, without warning', () => {
    withUmask(0o022, () => {
      const dir = fresh()
      const file = join(dir, 'db')
      const warnings: string[] = []
      preparePrivateFile(file, (message) => warnings.push(message))
      assert.equal(modeOf(dir), '700')
      assert.equal(modeOf(file), '600')
      assert.deepEqual(warnings, [])
    })
  })

  it('drops group and other bits from an existing file, and says so naming the file', () => {
    const file = join(root, `loose-${++counter}`)
    writeFileSync(file, 'x', { mode: 0o644 })
    const warnings: [string, string][] = []
    assert.equal(
      restrictToOwner(file, (message, at) => warnings.push([message, at])),
      true,
    )
    assert.equal(modeOf(file), '600')
    assert.deepEqual(warnings, [['file was readable by group or others (mode 0644); now owner-only', file]])
    assert.equal(
      restrictToOwner(file, () => assert.fail('no second warning')),
      false,
    )
    assert.equal(
      restrictToOwner(join(root, 'absent'), () => assert.fail('absent files are fine')),
      false,
    )
    assert.equal(existsSync(join(root, 'absent')), false)
  })
})
