// boto3 and the AWS CLI, unmodified, against Coffer's KMS face: envelope encryption, aliases, paging, errors, and
// `aws kms encrypt`/`decrypt` with fileb:// round-tripping a file, as the AWS documentation shows them.
import assert from 'node:assert/strict'
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { fileURLToPath } from 'node:url'
import {
  AWS_CLI,
  accessKeyFor,
  BOTO3,
  clientEnv,
  findings,
  mustCall,
  runClient,
} from '../helpers/aws-clients.ts'
import { unmet } from '../helpers/requirements.ts'
import { startDevServer, type TestServer } from '../helpers/server.ts'

const SCRIPT = fileURLToPath(new URL('./boto3-kms.py', import.meta.url))

describe('boto3 and the AWS CLI against Coffer KMS', { skip: await unmet(BOTO3) }, () => {
  let t: TestServer
  let awsEnv: NodeJS.ProcessEnv = {}

  before(async () => {
    t = await startDevServer({ devAws: true })
    await mustCall(t, 'PUT', 'sys/policies/acl/kms-admin', {
      policy: 'path "kms/*" { capabilities = ["create", "read", "update", "delete", "list"] }',
    })
    awsEnv = clientEnv(t.address, await accessKeyFor(t, 'kms', 'kms-admin'))
  })
  after(() => t?.close())

  it('boto3: create, alias, encrypt with context, decrypt, data keys, paging, errors; the blob opens through transit', async () => {
    const f = findings(await runClient('python3', [SCRIPT], awsEnv))
    assert.equal(f['arn'], `arn:aws:kms:eu-west-1:000000000000:key/${f['key_id']}`)
    assert.equal(f['encrypt_key'], f['arn'])
    assert.equal(f['decrypted'], 'boto3 data')
    assert.equal(f['wrong_context'], 'InvalidCiphertextException')
    assert.equal(f['data_key_bytes'], 32)
    assert.equal(f['data_key_round_trip'], true)
    assert.deepEqual(f['aliases'], ['alias/boto3'])
    assert.equal(f['listed'], true)
    assert.equal(f['missing'], 'NotFoundException')
    assert.equal(f['random_bytes'], 20)
    assert.equal(f['digest_verified'], true)
    assert.equal(f['raw_verified'], true)
    assert.deepEqual(f['digest_pss'], [true, true])
    assert.deepEqual(f['digest_ecdsa'], [true, true])
    assert.equal(f['digest_pss_short'], 'ValidationException')
    assert.equal(f['digest_ecdsa_short'], 'ValidationException')
    // Without EncryptionContext the blob's tail is the transit ciphertext itself.
    const blob = Buffer.from(f['blob'], 'base64')
    const ciphertext = blob.subarray(2 + 36).toString('utf8')
    assert.match(ciphertext, /^vault:v1:/)
    const opened = await mustCall(t, 'POST', `kms/decrypt/${f['key_id']}`, { ciphertext })
    assert.equal(Buffer.from(opened.body.data.plaintext, 'base64').toString(), 'cross')
  })

  it('the AWS CLI: create-key, encrypt/decrypt of a file with fileb://, generate-data-key', async (t2) => {
    const missing = await unmet(AWS_CLI)
    if (missing) {
      t2.skip(missing)
      return
    }
    const aws = async (...args: string[]) => {
      const ran = await runClient('aws', ['kms', ...args], awsEnv)
      assert.equal(ran.code, 0, ran.stderr)
      return ran.stdout.trim()
    }
    const keyId = await aws(
      'create-key',
      '--description',
      'cli',
      '--query',
      'KeyMetadata.KeyId',
      '--output',
      'text',
    )
    const dir = mkdtempSync(join(tmpdir(), 'coffer-kms-cli-'))
    const input = join(dir, 'secret.bin')
    writeFileSync(input, Buffer.from([0, 1, 2, 255, 254, 10, 13]))
    const sealed = await aws(
      'encrypt',
      '--key-id',
      keyId,
      '--plaintext',
      `fileb://${input}`,
      '--encryption-context',
      'purpose=cli',
      '--query',
      'CiphertextBlob',
      '--output',
      'text',
    )
    const blobFile = join(dir, 'secret.enc')
    writeFileSync(blobFile, Buffer.from(sealed, 'base64'))
    const opened = await aws(
      'decrypt',
      '--ciphertext-blob',
      `fileb://${blobFile}`,
      '--encryption-context',
      'purpose=cli',
      '--query',
      'Plaintext',
      '--output',
      'text',
    )
    assert.deepEqual(Buffer.from(opened, 'base64'), readFileSync(input))
    const dataKey = JSON.parse(await aws('generate-data-key', '--key-id', keyId, '--key-spec', 'AES_128'))
    assert.equal(Buffer.from(dataKey.Plaintext, 'base64').length, 16)
    assert.match(dataKey.KeyId, new RegExp(`:key/${keyId}$`))
    const wrong = await runClient(
      'aws',
      ['kms', 'decrypt', '--ciphertext-blob', `fileb://${blobFile}`, '--encryption-context', 'purpose=other'],
      awsEnv,
    )
    assert.notEqual(wrong.code, 0)
    assert.match(wrong.stderr, /InvalidCiphertextException/)
  })
})
