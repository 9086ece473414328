// Failure reasons: passwords masked, and only the code kept for a statement that carried one.
import assert from 'node:assert/strict'
import { it } from 'node:test'
import { safeReason } from './errors.ts'

it('masks every secret in a driver message and keeps the code', () => {
  const error = Object.assign(new Error('login failed for pw-1 (and pw-1 again)\nsecond line'), {
    code: '28P01',
  })
  assert.equal(safeReason(error, ['pw-1']), 'login failed for *** (and *** again) (28P01)')
})

it('keeps only the code of an error raised by a statement that carried a password', () => {
  const error = Object.assign(
    new Error("You have an error in your SQL syntax near 'Part-Of-A-Passw' at line 1"),
    {
      code: 'ER_PARSE_ERROR',
    },
  )
  assert.equal(safeReason(error, ['Part-Of-A-Password'], true), 'error ER_PARSE_ERROR')
  assert.equal(safeReason(new Error('ERR Error in ACL SETUSER modifier'), [], true), 'error ERR')
  assert.equal(safeReason('odd', [], true), 'an error the driver did not classify')
})
