// Tests for key=value argument parsing (files, stdin, repeated keys).
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { UsageError } from './flags.ts'
import { parseDataArgs, parseQueryArgs } from './kv-args.ts'

const files: Record<string, string> = { 'cert.pem': 'PEM\n', 'obj.json': '{"x":1}' }
const sources = (stdin = '') => ({
  readStdin: async () => stdin,
  readFile: async (path: string) => {
    if (!(path in files)) throw Object.assign(new Error('nope'), { code: 'ENOENT' })
    return files[path] as string
  },
})

test('key=value, key=@file, key=- and escaped @', async () => {
  const data = await parseDataArgs(
    ['a=1', 'b=@cert.pem', 'c=-', 'd=\\@literal', 'e=x=y'],
    sources('from-stdin'),
  )
  assert.deepEqual(data, { a: '1', b: 'PEM\n', c: 'from-stdin', d: '@literal', e: 'x=y' })
})

test('a lone - or @file.json merges a whole JSON object', async () => {
  assert.deepEqual(await parseDataArgs(['-'], sources('{"k":{"n":2}}')), { k: { n: 2 } })
  assert.deepEqual(await parseDataArgs(['@obj.json', 'y=2'], sources()), { x: 1, y: '2' })
  await assert.rejects(parseDataArgs(['-'], sources('[1]')), /JSON object/)
  await assert.rejects(parseDataArgs(['-'], sources('nope')), /not valid JSON/)
})

test('a repeated key becomes a list', async () => {
  assert.deepEqual(await parseDataArgs(['k=a', 'k=b', 'k=c'], sources()), { k: ['a', 'b', 'c'] })
})

test('bad pairs and missing files are usage errors', async () => {
  await assert.rejects(parseDataArgs(['novalue'], sources()), UsageError)
  await assert.rejects(parseDataArgs(['=x'], sources()), UsageError)
  await assert.rejects(parseDataArgs(['a=@missing'], sources()), /cannot read missing: ENOENT/)
})

test('query args keep the last value', () => {
  assert.deepEqual(parseQueryArgs(['version=1', 'version=2']), { version: '2' })
  assert.throws(() => parseQueryArgs(['bad']), UsageError)
})
