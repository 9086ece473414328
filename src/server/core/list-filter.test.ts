// LIST filtering: the whole-folder shortcut must agree with the per-key checks it replaces; OpenBao's templated filter.
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { Acl } from '../policy/acl.ts'
import { parsePolicy } from '../policy/parse-policy.ts'
import { filterListByTemplate, filterListKeys, wholeFolderVisible } from './list-filter.ts'

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

// OpenBao's list_scan_response_keys_filter_path: each key's templated path is checked for read (list for folders).
describe('list_scan_response_keys_filter_path', () => {
  const policy = `
path "kv/metadata/*" {
  capabilities = ["list"]
  list_scan_response_keys_filter_path = "{{ .path | replace \\"kv/metadata/\\" \\"kv/data/\\" }}{{ .key }}"
}
path "kv/data/app/a" { capabilities = ["read"] }
path "kv/data/app/dir/*" { capabilities = ["list"] }
path "kv/data/app/b" { capabilities = ["list"] }
path "sys/policies/acl/*" {
  capabilities = ["list"]
  list_scan_response_keys_filter_path = "sys/policies/acl/{{ .key }}"
}
path "sys/policies/acl/mine" { capabilities = ["read"] }
`
  const acl = new Acl([parsePolicy('p', policy)])
  const never = () => false

  it('keeps a key whose templated path is readable, a folder whose path is listable', () => {
    const template = acl.listKeysFilterPath('kv/metadata/app/')
    assert.ok(template)
    const out = filterListByTemplate(acl, template, 'kv/metadata/app/', { keys }, never, 0)
    // b is only listable (not readable), so it goes; secret-x has no rule at all.
    assert.deepEqual(out, { keys: ['a', 'dir/'] })
  })

  it('filters key_info with keys', () => {
    const template = acl.listKeysFilterPath('sys/policies/acl/')!
    const data = { keys: ['mine', 'theirs'], key_info: { mine: { n: 1 }, theirs: { n: 2 } } }
    const out = filterListByTemplate(acl, template, 'sys/policies/acl/', data, never, 0)
    assert.deepEqual(out, { keys: ['mine'], key_info: { mine: { n: 1 } } })
  })

  it('needs sudo where the checked path is root-protected', () => {
    const template = acl.listKeysFilterPath('sys/policies/acl/')!
    const out = filterListByTemplate(acl, template, 'sys/policies/acl/', { keys: ['mine'] }, () => true, 0)
    assert.deepEqual(out, { keys: [] })
  })

  it('refuses a response with fields besides keys and key_info, as OpenBao does', () => {
    const template = acl.listKeysFilterPath('sys/policies/acl/')!
    assert.throws(
      () => filterListByTemplate(acl, template, 'sys/policies/acl/', { keys: [], other: 1 }, never, 0),
      /unexpected field "other"/,
    )
  })

  it('is found only on the rule governing the LIST', () => {
    assert.equal(acl.listKeysFilterPath('kv/data/app/'), undefined)
    assert.equal(
      new Acl([parsePolicy('p', 'path "kv/*" { capabilities = ["list"] }')]).listKeysFilterPath('kv/'),
      undefined,
    )
  })

  it('comes from the first policy that names one for the pattern', () => {
    const first = parsePolicy(
      'a',
      'path "kv/*" { capabilities = ["list"]\n list_scan_response_keys_filter_path = "x/{{ .key }}" }',
    )
    const second = parsePolicy(
      'b',
      'path "kv/*" { capabilities = ["read", "list"]\n list_scan_response_keys_filter_path = "y/{{ .key }}" }',
    )
    const plain = parsePolicy('c', 'path "kv/*" { capabilities = ["list"] }')
    assert.equal(new Acl([plain, first, second]).listKeysFilterPath('kv/'), 'x/{{ .key }}')
    assert.equal(new Acl([second, first]).listKeysFilterPath('kv/'), 'y/{{ .key }}')
  })
})
