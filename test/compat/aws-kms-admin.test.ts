// KMS key administration through boto3 against a dev server, as the AWS CLI and Terraform's aws_kms_key use it:
// UpdateKeyDescription, Get/Put/ListKeyPolicies, RotateKeyOnDemand, ListKeyRotations and GenerateDataKeyPair(…).
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { fileURLToPath } from 'node:url'
import {
  type AccessKey,
  accessKeyFor,
  BOTO3,
  findings,
  mustCall,
  rolesEnv,
  runClient,
} from '../helpers/aws-clients.ts'
import { unmet } from '../helpers/requirements.ts'
import { startDevServer, type TestServer } from '../helpers/server.ts'

const SCRIPT = fileURLToPath(new URL('./boto3-kms-admin.py', import.meta.url))

const POLICIES = {
  'kms-all': 'path "kms/*" { capabilities = ["create", "read", "update", "delete", "list"] }',
  'kms-read': 'path "kms/keys/*" { capabilities = ["read"] }',
  'kms-wrap': 'path "kms/datakey/wrapped/*" { capabilities = ["update"] }',
}

describe('KMS key administration through boto3', { skip: await unmet(BOTO3) }, () => {
  let t: TestServer
  let keys: Record<string, AccessKey>

  before(async () => {
    t = await startDevServer({ devAws: true })
    for (const [name, policy] of Object.entries(POLICIES))
      await mustCall(t, 'PUT', `sys/policies/acl/${name}`, { policy })
    keys = {
      admin: await accessKeyFor(t, 'admin', 'kms-all'),
      reader: await accessKeyFor(t, 'reader', 'kms-read'),
      wrapper: await accessKeyFor(t, 'wrapper', 'kms-wrap'),
    }
  })
  after(() => t?.close())

  it('boto3: description, key policy, on-demand rotation and data key pairs, each with its capability', async () => {
    const f = findings(await runClient('python3', [SCRIPT], rolesEnv(t.address, keys)))
    assert.equal(f['description'], 'second')
    assert.equal(f['reader_description'], 'AccessDeniedException')
    assert.equal(f['created_policy'], true)
    assert.deepEqual(f['default_policy'], ['key-default-1', 'kms:*'])
    assert.equal(f['put_policy'], true)
    assert.deepEqual(f['policy_names'], ['default'])
    assert.equal(f['malformed_policy'], 'MalformedPolicyDocumentException')
    assert.equal(f['other_name'], 'NotFoundException')
    assert.equal(f['reader_get_policy'], 'default')
    assert.equal(f['reader_put_policy'], 'AccessDeniedException')
    assert.equal(f['rotate'], true)
    assert.equal(f['old_blob'], 'before rotation')
    assert.equal(f['rotations'].length, 1)
    assert.deepEqual(f['rotations'][0].slice(1), ['ON_DEMAND', 'datetime'])
    assert.equal(f['rotation_status'], false)
    assert.equal(f['reader_rotate'], 'AccessDeniedException')
    assert.equal(f['signer_rotate'], 'UnsupportedOperationException')
    assert.equal(Object.keys(f['pairs']).length, 7)
    for (const [spec, checks] of Object.entries(f['pairs']))
      assert.deepEqual(checks, [true, true, true], spec)
    assert.deepEqual(f['wrapped'], [false, true])
    assert.equal(f['wrapper_plaintext'], 'AccessDeniedException')
    assert.equal(f['pair_on_signer'], 'InvalidKeyUsageException')
    assert.equal(f['bad_spec'], 'ValidationException')
    assert.equal(f['disabled_pair'], 'DisabledException')
    assert.equal(f['disabled_rotate'], 'DisabledException')
  })
})
