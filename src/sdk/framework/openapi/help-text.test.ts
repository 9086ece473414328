import assert from 'node:assert/strict'
import { it } from 'node:test'
import { definePath } from '../backend.ts'
import { f } from '../fields.ts'
import { pathHelp, rootHelp } from './help-text.ts'

const login = definePath({
  pattern: 'login/:username',
  help: 'Log in with a username and password.',
  fields: {
    username: f.string({ description: 'Username.' }),
    password: f.string({ description: 'Password.', sensitive: true, default: 'hunter2-default' }),
    ttl: f.duration({ default: 60 }),
  },
  operations: { update: () => undefined },
})

it("lays out one path's help as Vault does, with operations, types, defaults and the sensitive flag", () => {
  const text = pathHelp('auth/userpass/login/bob', login)
  assert.match(
    text,
    /^Request: {8}auth\/userpass\/login\/bob\nMatching Route: login\/:username\n\nLog in with/,
  )
  assert.match(text, /## OPERATIONS\n\n {4}POST\/PUT\n/)
  assert.match(text, / {4}password \(string, sensitive\)\n {8}Password\.\n/)
  assert.match(text, / {4}username \(string, in the path\)\n/)
  assert.match(text, / {4}ttl \(duration \(sec\), default: 60\)\n {8}Ttl\.\n/)
  assert.doesNotMatch(text, /hunter2/)
})

it('lists every pattern of a backend with its synopsis in root help', () => {
  const text = rootHelp('The userpass auth method.', [
    login,
    definePath({ pattern: 'users/', operations: { list: () => undefined } }),
  ])
  assert.match(text, /^## DESCRIPTION\n\nThe userpass auth method\.\n\n## PATHS\n/)
  assert.match(
    text,
    / {4}login\/:username\n {8}Log in with a username and password\.\n\n {4}users\/\n {8}List users\./,
  )
})
