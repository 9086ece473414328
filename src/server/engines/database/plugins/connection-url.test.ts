// Filling root credentials into connection URLs, with and without disable_escaping.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { renderConnectionUrl } from './connection-url.ts'

test('a URL gets percent-encoded credentials by default', () => {
  assert.equal(
    renderConnectionUrl('postgresql://{{username}}:{{password}}@db/app', 'v@ult', 'p/w:1'),
    'postgresql://v%40ult:p%2Fw%3A1@db/app',
  )
})

test('disable_escaping fills them in verbatim', () => {
  assert.equal(
    renderConnectionUrl('postgresql://{{username}}:{{password}}@db/app', 'vault', 'p%2Fw', false),
    'postgresql://vault:p%2Fw@db/app',
  )
})

test('a key/value string is never escaped', () => {
  assert.equal(
    renderConnectionUrl('host=db user={{username}} password={{password}}', 'v@ult', 'p/w'),
    'host=db user=v@ult password=p/w',
  )
})
