// The plugin a config's plugin_name selects: only the listed names, never a member every object inherits.
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { InvalidRequestError } from '../../../sdk/errors.ts'
import { type DbConfig, pluginFor, roleAllowed } from './model.ts'

describe('pluginFor', () => {
  it('selects a listed plugin', () => {
    assert.equal(pluginFor('postgresql-database-plugin').kind, 'postgres')
  })

  it('refuses the names of Object.prototype members with a 400 naming the choices', () => {
    for (const name of ['constructor', '__proto__', 'toString', 'hasOwnProperty', 'valueOf'])
      assert.throws(
        () => pluginFor(name),
        (e: unknown) =>
          e instanceof InvalidRequestError &&
          e.message.startsWith(`unsupported plugin_name "${name}"; use one of: postgresql-database-plugin`),
        name,
      )
  })
})

describe('roleAllowed', () => {
  const config = (allowed: string[]) => ({ allowed_roles: allowed }) as DbConfig

  it('matches allowed_roles as globs of *', () => {
    assert.equal(roleAllowed(config(['*']), 'any'), true)
    assert.equal(roleAllowed(config(['app-*']), 'app-web'), true)
    assert.equal(roleAllowed(config(['app-*']), 'db-web'), false)
    assert.equal(roleAllowed(config(['a.b']), 'axb'), false)
    assert.equal(roleAllowed(config(['a*a']), 'a'), false)
    assert.equal(roleAllowed(config([]), 'app'), false)
  })

  it('decides a pattern of many stars against a long role name at once', () => {
    // As a regular expression this backtracked for minutes on the event loop.
    const pattern = `${'*a'.repeat(30)}*b`
    assert.equal(roleAllowed(config([pattern]), 'a'.repeat(5000)), false)
    assert.equal(roleAllowed(config([pattern]), `${'a'.repeat(5000)}b`), true)
  })
})
