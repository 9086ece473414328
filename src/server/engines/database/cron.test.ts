// Rotation schedules: macros are looked up among the listed ones only.
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { InvalidRequestError } from '../../../sdk/errors.ts'
import { parseCron } from './cron.ts'

describe('parseCron', () => {
  it('expands a listed macro', () => {
    assert.deepEqual([...parseCron('@daily').hours], [0])
  })

  it('refuses the names of Object.prototype members as a malformed schedule (400), not a crash', () => {
    for (const schedule of ['constructor', '__proto__', 'toString'])
      assert.throws(() => parseCron(schedule), InvalidRequestError, schedule)
  })
})
