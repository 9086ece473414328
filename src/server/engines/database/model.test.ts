// The plugin a config's plugin_name selects: only the listed names, never a member every object inherits.
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { InvalidRequestError } from '../../../sdk/errors.ts'
import { pluginFor } from './model.ts'

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
