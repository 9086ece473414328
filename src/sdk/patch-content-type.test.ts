// Tests for the one PATCH content-type rule shared by the HTTP adapter and KV.
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { UnsupportedMediaTypeError } from './errors.ts'
import { requireMergePatch } from './patch-content-type.ts'

describe('requireMergePatch', () => {
  it('accepts the merge patch media type in any case, with parameters', () => {
    for (const contentType of [
      'application/merge-patch+json',
      'Application/Merge-Patch+JSON',
      'application/merge-patch+json; charset=utf-8',
      '  APPLICATION/MERGE-PATCH+JSON ;charset=UTF-8',
    ]) {
      assert.doesNotThrow(() => requireMergePatch(contentType), contentType)
    }
  })

  it('refuses anything else with a 415 naming the media type it got', () => {
    for (const [contentType, got] of [
      ['application/json', 'application/json'],
      ['', ''],
      ['application/merge-patch+jsonx', 'application/merge-patch+jsonx'],
      ['application/merge-patch', 'application/merge-patch'],
      ['Application/JSON; charset=utf-8', 'application/json'],
    ] as const) {
      assert.throws(
        () => requireMergePatch(contentType),
        (e: unknown) =>
          e instanceof UnsupportedMediaTypeError &&
          e.status === 415 &&
          e.message ===
            `PATCH requires Content-Type of application/merge-patch+json, got ${JSON.stringify(got)}`,
        contentType,
      )
    }
  })
})
