// The AWS SDK for JavaScript's KMS client against Coffer: members AWS's model gives meaning to (DryRun, Recipient,
// GrantTokens) are honoured or refused, never ignored into an answer the caller did not ask for.
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import {
  CreateKeyCommand,
  DecryptCommand,
  DisableKeyCommand,
  EncryptCommand,
  GenerateDataKeyCommand,
  GenerateRandomCommand,
  KMSClient,
  ReEncryptCommand,
  SignCommand,
} from '@aws-sdk/client-kms'
import { accessKeyFor, mustCall } from '../helpers/aws-clients.ts'
import { startDevServer, type TestServer } from '../helpers/server.ts'

/** The error's AWS type and HTTP status, or 'no error'. */
async function refusal(promise: Promise<unknown>): Promise<string> {
  try {
    await promise
  } catch (error) {
    const e = error as { name: string; $metadata?: { httpStatusCode?: number } }
    return `${e.name} ${e.$metadata?.httpStatusCode}`
  }
  return 'no error'
}

describe('KMS input members through the AWS SDK for JavaScript', () => {
  let t: TestServer
  let client: KMSClient
  let reader: KMSClient
  const newKey = async (input: ConstructorParameters<typeof CreateKeyCommand>[0] = {}) =>
    (await client.send(new CreateKeyCommand(input))).KeyMetadata!.KeyId!

  before(async () => {
    t = await startDevServer({ devAws: true })
    await mustCall(t, 'PUT', 'sys/policies/acl/kms-admin', {
      policy: 'path "kms/*" { capabilities = ["create", "read", "update", "delete", "list"] }',
    })
    await mustCall(t, 'PUT', 'sys/policies/acl/kms-decrypt-only', {
      policy: 'path "kms/decrypt/*" { capabilities = ["update"] }',
    })
    const config = (key: { id: string; secret: string }) =>
      new KMSClient({
        endpoint: t.address,
        region: 'eu-central-1',
        credentials: { accessKeyId: key.id, secretAccessKey: key.secret },
        maxAttempts: 1,
      })
    client = config(await accessKeyFor(t, 'kms', 'kms-admin'))
    reader = config(await accessKeyFor(t, 'kms-reader', 'kms-decrypt-only'))
  })
  after(() => t?.close())

  it('DryRun answers DryRunOperationException (412) when the call would succeed, and does nothing', async () => {
    const key = await newKey()
    const other = await newKey()
    const sealed = await client.send(new EncryptCommand({ KeyId: key, Plaintext: Buffer.from('secret') }))
    const blob = sealed.CiphertextBlob!
    const dryRun = 'DryRunOperationException 412'
    assert.equal(
      await refusal(
        client.send(new EncryptCommand({ KeyId: key, Plaintext: Buffer.from('x'), DryRun: true })),
      ),
      dryRun,
    )
    // Without DryRun's refusal the plaintext would be in the answer: a dry run must not decrypt.
    assert.equal(
      await refusal(client.send(new DecryptCommand({ CiphertextBlob: blob, DryRun: true }))),
      dryRun,
    )
    assert.equal(
      await refusal(
        client.send(new GenerateDataKeyCommand({ KeyId: key, KeySpec: 'AES_256', DryRun: true })),
      ),
      dryRun,
    )
    assert.equal(
      await refusal(
        client.send(new ReEncryptCommand({ CiphertextBlob: blob, DestinationKeyId: other, DryRun: true })),
      ),
      dryRun,
    )
    const signer = await newKey({ KeySpec: 'ECC_NIST_P256', KeyUsage: 'SIGN_VERIFY' })
    assert.equal(
      await refusal(
        client.send(
          new SignCommand({
            KeyId: signer,
            Message: Buffer.from('m'),
            SigningAlgorithm: 'ECDSA_SHA_256',
            DryRun: true,
          }),
        ),
      ),
      dryRun,
    )
    // A dry run that would fail says why: permission (both halves of ReEncrypt are checked), then key state.
    assert.equal(
      await refusal(
        reader.send(new ReEncryptCommand({ CiphertextBlob: blob, DestinationKeyId: other, DryRun: true })),
      ),
      'AccessDeniedException 400',
    )
    assert.equal(
      await refusal(reader.send(new DecryptCommand({ CiphertextBlob: blob, DryRun: true }))),
      dryRun,
    )
    await client.send(new DisableKeyCommand({ KeyId: other }))
    assert.equal(
      await refusal(
        client.send(new EncryptCommand({ KeyId: other, Plaintext: Buffer.from('x'), DryRun: true })),
      ),
      'DisabledException 400',
    )
    // A key of another usage: the call would fail, so the dry run says why.
    assert.equal(
      await refusal(
        client.send(new EncryptCommand({ KeyId: signer, Plaintext: Buffer.from('x'), DryRun: true })),
      ),
      'InvalidKeyUsageException 400',
    )
    // DryRun false is an ordinary call.
    const opened = await client.send(new DecryptCommand({ CiphertextBlob: blob, DryRun: false }))
    assert.equal(Buffer.from(opened.Plaintext!).toString(), 'secret')
  })

  it('Recipient (a Nitro enclave attestation) is refused, never answered with the plaintext in clear', async () => {
    const key = await newKey()
    const sealed = await client.send(new EncryptCommand({ KeyId: key, Plaintext: Buffer.from('secret') }))
    const Recipient = {
      KeyEncryptionAlgorithm: 'RSAES_OAEP_SHA_256' as const,
      AttestationDocument: Buffer.from('not a real attestation'),
    }
    for (const call of [
      client.send(new DecryptCommand({ CiphertextBlob: sealed.CiphertextBlob!, Recipient })),
      client.send(new GenerateDataKeyCommand({ KeyId: key, KeySpec: 'AES_256', Recipient })),
      client.send(new GenerateRandomCommand({ NumberOfBytes: 16, Recipient })),
    ])
      assert.equal(await refusal(call), 'ValidationException 400')
  })

  it('GrantTokens must be a list of at most 10 non-empty tokens; well-formed ones grant nothing and are ignored', async () => {
    const key = await newKey()
    const plaintext = Buffer.from('x')
    assert.equal(
      await refusal(client.send(new EncryptCommand({ KeyId: key, Plaintext: plaintext, GrantTokens: [''] }))),
      'ValidationException 400',
    )
    assert.equal(
      await refusal(
        client.send(
          new EncryptCommand({ KeyId: key, Plaintext: plaintext, GrantTokens: Array(11).fill('token') }),
        ),
      ),
      'ValidationException 400',
    )
    const sealed = await client.send(
      new EncryptCommand({ KeyId: key, Plaintext: plaintext, GrantTokens: ['t'] }),
    )
    assert.ok(sealed.CiphertextBlob!.length > 0)
  })

  it('a blob or enum value outside the model is a ValidationException before authorisation, as AWS validates first', async () => {
    const key = await newKey()
    const signing = await newKey({ KeySpec: 'ECC_NIST_P256', KeyUsage: 'SIGN_VERIFY' })
    // The reader may decrypt only: a well-formed Encrypt or Sign is refused, a malformed one is malformed.
    assert.equal(
      await refusal(reader.send(new EncryptCommand({ KeyId: key, Plaintext: Buffer.from('x') }))),
      'AccessDeniedException 400',
    )
    assert.equal(
      await refusal(reader.send(new EncryptCommand({ KeyId: key, Plaintext: Buffer.alloc(0) }))),
      'ValidationException 400',
    )
    assert.equal(
      await refusal(reader.send(new EncryptCommand({ KeyId: key, Plaintext: Buffer.alloc(4097) }))),
      'ValidationException 400',
    )
    const sign = (Message: Uint8Array) =>
      reader.send(new SignCommand({ KeyId: signing, Message, SigningAlgorithm: 'ECDSA_SHA_256' }))
    assert.equal(await refusal(sign(Buffer.from('m'))), 'AccessDeniedException 400')
    assert.equal(await refusal(sign(Buffer.alloc(4097))), 'ValidationException 400')
    // So is a value outside the model's enum.
    const unknown = 'NOT_AN_ALGORITHM' as 'ECDSA_SHA_256'
    assert.equal(
      await refusal(
        reader.send(
          new SignCommand({ KeyId: signing, Message: Buffer.from('m'), SigningAlgorithm: unknown }),
        ),
      ),
      'ValidationException 400',
    )
    assert.equal(
      await refusal(
        reader.send(
          new EncryptCommand({
            KeyId: key,
            Plaintext: Buffer.from('x'),
            EncryptionAlgorithm: unknown as 'SYMMETRIC_DEFAULT',
          }),
        ),
      ),
      'ValidationException 400',
    )
    assert.equal(
      await refusal(reader.send(new GenerateDataKeyCommand({ KeyId: key, KeySpec: unknown as 'AES_256' }))),
      'ValidationException 400',
    )
  })
})
