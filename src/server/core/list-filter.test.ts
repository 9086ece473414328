// LIST filtering: the whole-folder shortcut must agree with the per-key checks it replaces.
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { Acl } from '../policy/acl.ts'
import { parsePolicy } from '../policy/parse-policy.ts'
import { filterListKeys, wholeFolderVisible } from './list-filter.ts'

const keys = ['a', 'b', 'dir/', 'secret-x']
const setup = (text: string) => {
  const policies = [parsePolicy('p', text)]
  return { acl: new Acl(policies), policies }
}

describe('list filtering', () => {
  const cases: [string, string, boolean, string[]][] = [
    ['a covering glob', 'path "kv/metadata/*" { capabilities = ["list"] }', true, keys],
    ['a covering glob above the folder', 'path "kv/*" { capabilities = ["read"] }', true, keys],
    ['a deny glob', 'path "kv/metadata/*" { capabilities = ["deny"] }', false, []],
    [
      'an exact deny under the folder',
      'path "kv/metadata/*" { capabilities = ["list"] }\npath "kv/metadata/app/b" { capabilities = ["deny"] }',
      false,
      ['a', 'dir/', 'secret-x'],
    ],
    ['a narrower prefix', 'path "kv/metadata/app/secret-*" { capabilities = ["read"] }', false, ['secret-x']],
    ['a + segment', 'path "kv/metadata/+/a" { capabilities = ["read"] }', false, ['a']],
    ['nothing', 'path "other/*" { capabilities = ["read"] }', false, []],
  ]
  for (const [name, text, whole, visible] of cases) {
    it(name, () => {
      const { acl, policies } = setup(text)
      assert.equal(wholeFolderVisible(acl, policies, 'kv/metadata/app/'), whole)
      assert.deepEqual(
        filterListKeys(acl, policies, 'kv/metadata/app/', keys, () => []),
        visible,
      )
    })
  }
})
