// Tests for the policy formatter.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { formatPolicy } from './policy-format.ts'

test('re-indents blocks, normalises spacing and separates top-level blocks', () => {
  const input = [
    '# team policy',
    'path "secret/data/*"{',
    'capabilities=[ "read","list" ]',
    '      }',
    'path "sys/mounts" {',
    '    capabilities = ["read"]   # read only',
    '}',
    '',
    '',
  ].join('\n')
  assert.equal(
    formatPolicy(input),
    [
      '# team policy',
      'path "secret/data/*" {',
      '  capabilities = ["read", "list"]',
      '}',
      '',
      'path "sys/mounts" {',
      '  capabilities = ["read"] # read only',
      '}',
      '',
    ].join('\n'),
  )
})

test('nested objects and multi-line lists are indented by depth', () => {
  const input = 'path "a" {\nallowed_parameters = {\n"x" = []\n}\ncapabilities = [\n"read",\n]\n}\n'
  assert.equal(
    formatPolicy(input),
    'path "a" {\n  allowed_parameters = {\n    "x" = []\n  }\n  capabilities = [\n    "read",\n  ]\n}\n',
  )
})

test('strings keep their inner spacing and formatting is idempotent', () => {
  const input = 'path "a  b=c,d" {\n  capabilities = ["read"]\n}\n'
  assert.equal(formatPolicy(input), input)
  assert.equal(formatPolicy(formatPolicy(input)), input)
})

test('an invalid policy throws instead of being rewritten', () => {
  assert.throws(() => formatPolicy('path "a" {\n capabilities = [\n'))
})
