// Tests for table, section, JSON/YAML and -field rendering.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import {
  formatCell,
  humanDuration,
  lookupField,
  parseFormat,
  rawField,
  renderColumns,
  renderKeyValueTable,
  renderSection,
  renderYaml,
  secretRows,
} from './format.ts'

test('key/value tables pad to the widest key plus four spaces', () => {
  const table = renderKeyValueTable([
    ['a', '1'],
    ['custom_metadata', null],
  ])
  assert.equal(
    table,
    [
      'Key                Value',
      '---                -----',
      'a                  1',
      'custom_metadata    <nil>',
    ].join('\n'),
  )
})

test('columns without a header and trailing spaces are trimmed', () => {
  assert.equal(
    renderColumns(undefined, [
      ['x', ''],
      ['long', 'y'],
    ]),
    'x\nlong    y',
  )
})

test('cells print like Go values', () => {
  assert.equal(formatCell(['a', 'b']), '[a b]')
  assert.equal(formatCell({ b: 1, a: 'x' }), 'map[a:x b:1]')
  assert.equal(formatCell(false), 'false')
  assert.equal(formatCell(undefined), '<nil>')
})

test('a section header is centred over the table header', () => {
  const section = renderSection('Data', renderKeyValueTable([['password', 'x']]))
  const [header, first] = section.split('\n')
  assert.match(header!, /^=+ Data =+$/)
  assert.ok(Math.abs(header!.length - first!.length) <= 1)
})

test('durations drop zero units, as vault trims them (1h0m1s is 1h1s)', () => {
  assert.equal(humanDuration(2764800), '768h')
  assert.equal(humanDuration(5400), '1h30m')
  assert.equal(humanDuration(3601), '1h1s')
  assert.equal(humanDuration(3661), '1h1m1s')
  assert.equal(humanDuration(45), '45s')
  assert.equal(humanDuration(0), '0s')
})

test('secret rows put lease and auth fields before sorted data', () => {
  const rows = secretRows({
    lease_id: 'db/creds/x/1',
    lease_duration: 3600,
    renewable: true,
    data: { username: 'u', password: 'p' },
  })
  assert.deepEqual(
    rows.map(([k]) => k),
    ['lease_id', 'lease_duration', 'lease_renewable', 'password', 'username'],
  )
  const kvV1 = secretRows({ lease_id: '', lease_duration: 60, data: { a: 1 } })
  assert.deepEqual(kvV1[0], ['refresh_interval', '1m'])
  const auth = secretRows({
    auth: {
      client_token: 't',
      accessor: 'acc',
      lease_duration: 0,
      policies: ['default'],
      metadata: { team: 'a' },
    },
  })
  assert.deepEqual(auth[2], ['token_duration', '∞'])
  assert.deepEqual(auth.at(-1), ['token_meta_team', 'a'])
})

test('-field finds auth fields by their table name and data keys', () => {
  const envelope = { auth: { client_token: 'tok', accessor: 'acc', metadata: { m: 'v' } }, data: { k: 'v2' } }
  assert.equal(lookupField(envelope, 'token'), 'tok')
  assert.equal(lookupField(envelope, 'token_meta_m'), 'v')
  assert.equal(lookupField(envelope, 'k'), 'v2')
  assert.equal(lookupField(envelope, 'missing'), undefined)
  assert.equal(rawField('plain'), 'plain')
  assert.equal(rawField({ a: 1 }), '{"a":1}')
})

test('YAML quotes what would be misread and nests lists and maps', () => {
  const yaml = renderYaml({ a: 'plain', b: 'true', c: '1', d: ['x', { e: 'f: g' }], empty: {}, none: null })
  assert.equal(
    yaml,
    ['a: plain', 'b: "true"', 'c: "1"', 'd:', '- x', '- e: "f: g"', 'empty: {}', 'none: null'].join('\n'),
  )
})

test('parseFormat accepts table, json and yaml only', () => {
  assert.equal(parseFormat(undefined), 'table')
  assert.equal(parseFormat('JSON'), 'json')
  assert.throws(() => parseFormat('xml'), /invalid output format/)
})

test('table rows show seconds under ttl, *_ttl, period and *_period keys as durations, as vault', () => {
  const rows = secretRows({
    data: {
      ttl: 2764799,
      creation_ttl: 3600,
      explicit_max_ttl: 0,
      period: 90,
      token_period: 60,
      num_uses: 3,
      name_ttl: 'x',
    },
  })
  assert.deepEqual(rows, [
    ['creation_ttl', '1h'],
    ['explicit_max_ttl', '0s'],
    ['name_ttl', 'x'],
    ['num_uses', 3],
    ['period', '1m30s'],
    ['token_period', '1m'],
    ['ttl', '767h59m59s'],
  ])
})
