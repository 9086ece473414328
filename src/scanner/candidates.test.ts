// Candidate extraction for value matchers, and the engine offering every token to them.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { candidates, forEachCandidate } from './candidates.ts'
import { ScanEngine } from './engine.ts'

test('tokens are split on whitespace, quotes, backticks, = : , ; and brackets', () => {
  const text = [
    'DB_PASSWORD="s3cr3t-Value-1"',
    "conn = {'user': 'appuser1', pass: `tick-tock-99`}",
    'args=[alpha1234,beta56789;gamma0000] (paren-value) <angle-value>',
    'url: postgres://u:pw@host/db',
  ].join('\n')
  assert.deepEqual(candidates(text).sort(), [
    'DB_PASSWORD',
    'alpha1234',
    'angle-value',
    'appuser1',
    'beta56789',
    'gamma0000',
    'paren-value',
    'postgres',
    'pw@host/db',
    's3cr3t-Value-1',
    'tick-tock-99',
  ])
})

test('length bounds 8..512, trailing full stops also offered trimmed, offsets exact', () => {
  const long = 'x'.repeat(513)
  const edge = 'y'.repeat(512)
  const text = `short1 exactly8 ${long} ${edge} the key is Zk29aQwe81.\n`
  const seen: [string, number][] = []
  forEachCandidate(text, (value, index) => seen.push([value, index]))
  for (const [value, index] of seen) assert.equal(text.slice(index, index + value.length), value)
  assert.deepEqual(
    seen.map(([v]) => (v.length > 20 ? `${v[0]}×${v.length}` : v)),
    ['exactly8', 'y×512', 'Zk29aQwe81.', 'Zk29aQwe81'],
  )
  assert.deepEqual(candidates('1234567.'), ['1234567.'])
})

test('URL and path parts are offered on their own as well as whole', () => {
  const text =
    'see https://hooks.example/services/T0AAAAAAA/abcdefghijkl?key=zzzzzzzz9&x=1 or app/Lk0123456789'
  const seen: [string, number][] = []
  forEachCandidate(text, (value, index) => seen.push([value, index]))
  for (const [value, index] of seen) assert.equal(text.slice(index, index + value.length), value)
  assert.deepEqual(
    seen.map(([v]) => v),
    [
      '//hooks.example/services/T0AAAAAAA/abcdefghijkl?key',
      'hooks.example',
      'services',
      'T0AAAAAAA',
      'abcdefghijkl',
      'zzzzzzzz9&x',
      'zzzzzzzz9',
      'app/Lk0123456789',
      'Lk0123456789',
    ],
  )
})

test('the engine offers every token to matchers, even on lines without a keyword, with the per-match message', () => {
  const engine = new ScanEngine({
    matchers: [
      {
        id: 'known',
        match: (v) =>
          v === 'Zk29aQwe81'
            ? { ruleId: 'coffer-secret', description: 'stored secret', message: 'matches secret/data/a#k v2' }
            : undefined,
      },
    ],
  })
  const found = engine.scanText('nothing to see here\nhello Zk29aQwe81.\n', 'notes.md')
  assert.deepEqual(
    found.map((f) => [f.ruleId, f.line, f.column, f.description, f.masked.includes('Zk29aQwe81')]),
    [['coffer-secret', 2, 7, 'matches secret/data/a#k v2', false]],
  )
  assert.equal(engine.description('coffer-secret'), 'stored secret')
  assert.deepEqual(new ScanEngine().scanText('hello Zk29aQwe81.\n', 'notes.md'), [])
})
