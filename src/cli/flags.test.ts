// Tests for the Vault-style flag parser.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { FlagReader, type FlagSpec, parseFlags, UsageError } from './flags.ts'

const SPECS: FlagSpec[] = [
  { name: 'format', kind: 'string', usage: '' },
  { name: 'force', kind: 'bool', usage: '', aliases: ['f'] },
  { name: 'num-uses', kind: 'int', usage: '' },
  { name: 'ttl', kind: 'duration', usage: '' },
  { name: 'policy', kind: 'list', usage: '' },
  { name: 'metadata', kind: 'map', usage: '' },
]

test('accepts -name=value, -name value and --name=value', () => {
  for (const argv of [['-format=json'], ['-format', 'json'], ['--format=json'], ['--format', 'json']]) {
    const { flags, positionals } = parseFlags(argv, SPECS)
    assert.equal(flags.get('format'), 'json', argv.join(' '))
    assert.deepEqual(positionals, [])
  }
})

test('boolean flags take no separate value but accept =false', () => {
  const parsed = parseFlags(['-force', 'path'], SPECS)
  assert.equal(parsed.flags.get('force'), true)
  assert.deepEqual(parsed.positionals, ['path'])
  assert.equal(parseFlags(['-force=false'], SPECS).flags.get('force'), false)
  assert.equal(parseFlags(['-f'], SPECS).flags.get('force'), true)
  assert.throws(() => parseFlags(['-force=maybe'], SPECS), UsageError)
})

test('flags may come before or after positionals; -- ends flags and - is positional', () => {
  const parsed = parseFlags(['secret/foo', '-format=json', 'a=1', '-', '--', '-force'], SPECS)
  assert.equal(parsed.flags.get('format'), 'json')
  assert.deepEqual(parsed.positionals, ['secret/foo', 'a=1', '-', '-force'])
})

test('repeated list flags accumulate and commas split', () => {
  const reader = new FlagReader(parseFlags(['-policy=a,b', '-policy', 'c'], SPECS).flags)
  assert.deepEqual(reader.list('policy'), ['a', 'b', 'c'])
})

test('map flags collect key=value pairs and reject malformed ones', () => {
  const reader = new FlagReader(parseFlags(['-metadata=team=a', '-metadata', 'env=prod=1'], SPECS).flags)
  assert.deepEqual(reader.map('metadata'), { team: 'a', env: 'prod=1' })
  assert.throws(() => parseFlags(['-metadata=novalue'], SPECS), /key=value/)
})

test('int and duration flags are validated', () => {
  const reader = new FlagReader(parseFlags(['-num-uses=3', '-ttl=1h30m'], SPECS).flags)
  assert.equal(reader.int('num-uses'), 3)
  assert.equal(reader.string('ttl'), '1h30m')
  assert.throws(() => parseFlags(['-num-uses=x'], SPECS), /invalid integer/)
  assert.throws(() => parseFlags(['-ttl=soon'], SPECS), /invalid duration/)
})

test('an unknown flag is an error that names it', () => {
  assert.throws(
    () => parseFlags(['-bogus=1'], SPECS),
    (error: unknown) => {
      assert.ok(error instanceof UsageError)
      assert.match(error.message, /-bogus/)
      return true
    },
  )
})

test('a value flag at the end without a value is an error', () => {
  assert.throws(() => parseFlags(['-format'], SPECS), /needs an argument: -format/)
})

test('FlagReader reports presence separately from value', () => {
  const reader = new FlagReader(parseFlags(['-force=false'], SPECS).flags)
  assert.equal(reader.has('force'), true)
  assert.equal(reader.bool('force'), false)
  assert.equal(reader.has('format'), false)
  assert.equal(reader.string('format'), undefined)
})
