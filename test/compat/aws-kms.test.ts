// The AWS SDK for JavaScript's KMS client, unmodified, against Coffer's KMS face over transit keys: keys, envelope
// encryption, aliases, key states and each AWS exception, and a KMS key used through the Vault transit API.
import assert from 'node:assert/strict'
import crypto from 'node:crypto'
import { after, before, describe, it } from 'node:test'
import {
  AlreadyExistsException,
  CancelKeyDeletionCommand,
  CreateAliasCommand,
  CreateKeyCommand,
  DecryptCommand,
  DeleteAliasCommand,
  DescribeKeyCommand,
  DisabledException,
  DisableKeyCommand,
  EnableKeyCommand,
  EnableKeyRotationCommand,
  EncryptCommand,
  GenerateDataKeyCommand,
  GenerateDataKeyWithoutPlaintextCommand,
  GenerateMacCommand,
  GenerateRandomCommand,
  GetKeyRotationStatusCommand,
  GetPublicKeyCommand,
  InvalidCiphertextException,
  InvalidKeyUsageException,
  KMSClient,
  KMSInvalidMacException,
  KMSInvalidSignatureException,
  KMSInvalidStateException,
  ListAliasesCommand,
  ListKeysCommand,
  ListResourceTagsCommand,
  NotFoundException,
  ReEncryptCommand,
  ScheduleKeyDeletionCommand,
  SignCommand,
  TagResourceCommand,
  UntagResourceCommand,
  UpdateAliasCommand,
  VerifyCommand,
  VerifyMacCommand,
} from '@aws-sdk/client-kms'
import { accessKeyFor, mustCall } from '../helpers/aws-clients.ts'
import { startDevServer, type TestServer } from '../helpers/server.ts'

const text = (bytes: Uint8Array | undefined) => Buffer.from(bytes ?? []).toString('utf8')

describe('AWS SDK for JavaScript v3 KMS client against Coffer', () => {
  let t: TestServer
  let client: KMSClient
  let credentials: { accessKeyId: string; secretAccessKey: string }
  const config = (creds = credentials) => ({
    endpoint: t.address,
    region: 'eu-central-1',
    credentials: creds,
    maxAttempts: 1,
  })
  const newKey = async (input: ConstructorParameters<typeof CreateKeyCommand>[0] = {}) =>
    (await client.send(new CreateKeyCommand(input))).KeyMetadata!

  before(async () => {
    t = await startDevServer({ devAws: true })
    assert.equal((await t.call('GET', 'sys/mounts')).body.data['kms/']?.type, 'transit')
    await mustCall(t, 'PUT', 'sys/policies/acl/kms-admin', {
      policy: 'path "kms/*" { capabilities = ["create", "read", "update", "delete", "list"] }',
    })
    const key = await accessKeyFor(t, 'kms', 'kms-admin')
    credentials = { accessKeyId: key.id, secretAccessKey: key.secret }
    client = new KMSClient(config())
  })
  after(() => t?.close())

  it('CreateKey and DescribeKey: a UUID KeyId, the key ARN in the signed region, and the KeyMetadata shape', async () => {
    const meta = await newKey({ Description: 'orders', Tags: [{ TagKey: 'team', TagValue: 'a' }] })
    assert.match(meta.KeyId ?? '', /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/)
    assert.equal(meta.Arn, `arn:aws:kms:eu-central-1:000000000000:key/${meta.KeyId}`)
    assert.equal(meta.KeySpec, 'SYMMETRIC_DEFAULT')
    assert.equal(meta.KeyUsage, 'ENCRYPT_DECRYPT')
    assert.equal(meta.KeyState, 'Enabled')
    assert.equal(meta.Enabled, true)
    assert.ok(meta.CreationDate instanceof Date)
    assert.deepEqual(meta.EncryptionAlgorithms, ['SYMMETRIC_DEFAULT'])
    const described = (await client.send(new DescribeKeyCommand({ KeyId: meta.Arn }))).KeyMetadata!
    assert.equal(described.Description, 'orders')
    assert.equal(described.KeyId, meta.KeyId)
    const tags = await client.send(new ListResourceTagsCommand({ KeyId: meta.KeyId }))
    assert.deepEqual(tags.Tags, [{ TagKey: 'team', TagValue: 'a' }])
    // The transit key behind it, by the same name.
    const transit = await mustCall(t, 'GET', `kms/keys/${meta.KeyId}`)
    assert.equal(transit.body.data.type, 'aes256-gcm96')
  })

  it('Encrypt/Decrypt: the blob carries its key (Decrypt needs no KeyId) and the EncryptionContext is bound', async () => {
    const { KeyId } = await newKey()
    const context = { tenant: 't1', purpose: 'test' }
    const sealed = await client.send(
      new EncryptCommand({ KeyId, Plaintext: Buffer.from('hello kms'), EncryptionContext: context }),
    )
    assert.equal(sealed.KeyId, `arn:aws:kms:eu-central-1:000000000000:key/${KeyId}`)
    const opened = await client.send(
      new DecryptCommand({
        CiphertextBlob: sealed.CiphertextBlob,
        EncryptionContext: { purpose: 'test', tenant: 't1' },
      }),
    )
    assert.equal(text(opened.Plaintext), 'hello kms')
    assert.equal(opened.KeyId, sealed.KeyId)
    await assert.rejects(
      client.send(
        new DecryptCommand({ CiphertextBlob: sealed.CiphertextBlob, EncryptionContext: { tenant: 't2' } }),
      ),
      InvalidCiphertextException,
    )
    await assert.rejects(
      client.send(new DecryptCommand({ CiphertextBlob: sealed.CiphertextBlob })),
      InvalidCiphertextException,
    )
    const forged = Buffer.from(sealed.CiphertextBlob!)
    forged[forged.length - 3] = forged[forged.length - 3]! ^ 1
    await assert.rejects(
      client.send(new DecryptCommand({ CiphertextBlob: forged, EncryptionContext: context })),
      InvalidCiphertextException,
    )
    await assert.rejects(
      client.send(new DecryptCommand({ CiphertextBlob: Buffer.from('not a blob at all') })),
      InvalidCiphertextException,
    )
  })

  it('GenerateDataKey (KeySpec or NumberOfBytes), WithoutPlaintext, GenerateRandom and ReEncrypt', async () => {
    const { KeyId } = await newKey()
    const dataKey = await client.send(new GenerateDataKeyCommand({ KeyId, KeySpec: 'AES_256' }))
    assert.equal(dataKey.Plaintext?.length, 32)
    const unwrapped = await client.send(new DecryptCommand({ CiphertextBlob: dataKey.CiphertextBlob }))
    assert.deepEqual(Buffer.from(unwrapped.Plaintext!), Buffer.from(dataKey.Plaintext!))
    const short = await client.send(new GenerateDataKeyCommand({ KeyId, NumberOfBytes: 16 }))
    assert.equal(short.Plaintext?.length, 16)
    const wrapped = await client.send(
      new GenerateDataKeyWithoutPlaintextCommand({ KeyId, KeySpec: 'AES_128' }),
    )
    assert.ok(!('Plaintext' in wrapped), 'no plaintext data key')
    assert.equal(
      (await client.send(new DecryptCommand({ CiphertextBlob: wrapped.CiphertextBlob }))).Plaintext?.length,
      16,
    )
    const random = await client.send(new GenerateRandomCommand({ NumberOfBytes: 48 }))
    assert.equal(random.Plaintext?.length, 48)

    const other = await newKey()
    const sealed = await client.send(
      new EncryptCommand({ KeyId, Plaintext: Buffer.from('move me'), EncryptionContext: { a: '1' } }),
    )
    const moved = await client.send(
      new ReEncryptCommand({
        CiphertextBlob: sealed.CiphertextBlob,
        SourceEncryptionContext: { a: '1' },
        DestinationKeyId: other.KeyId,
        DestinationEncryptionContext: { b: '2' },
      }),
    )
    assert.equal(moved.KeyId, other.Arn)
    assert.match(moved.SourceKeyId ?? '', new RegExp(`${KeyId}$`))
    const opened = await client.send(
      new DecryptCommand({ CiphertextBlob: moved.CiphertextBlob, EncryptionContext: { b: '2' } }),
    )
    assert.equal(text(opened.Plaintext), 'move me')
    assert.equal(opened.KeyId, other.Arn)
  })

  it('ListKeys pages with Limit and Marker through every key exactly once', async () => {
    for (let i = 0; i < 3; i++) await newKey()
    const all = new Set<string>()
    let marker: string | undefined
    let pages = 0
    do {
      const page = await client.send(new ListKeysCommand({ Limit: 2, Marker: marker }))
      assert.ok((page.Keys?.length ?? 0) <= 2)
      for (const key of page.Keys ?? []) {
        assert.ok(!all.has(key.KeyId!), 'no key twice')
        all.add(key.KeyId!)
      }
      marker = page.Truncated ? page.NextMarker : undefined
      pages++
    } while (marker)
    const unpaged = await client.send(new ListKeysCommand({}))
    assert.equal(all.size, unpaged.Keys?.length)
    assert.ok(pages >= 2)
  })

  it('aliases: create, use in place of a KeyId (name and ARN), list, update, delete, AlreadyExists', async () => {
    const first = await newKey()
    const second = await newKey()
    await client.send(new CreateAliasCommand({ AliasName: 'alias/app/orders', TargetKeyId: first.KeyId }))
    await assert.rejects(
      client.send(new CreateAliasCommand({ AliasName: 'alias/app/orders', TargetKeyId: second.KeyId })),
      AlreadyExistsException,
    )
    const sealed = await client.send(
      new EncryptCommand({ KeyId: 'alias/app/orders', Plaintext: Buffer.from('x') }),
    )
    assert.equal(sealed.KeyId, first.Arn)
    const byArn = await client.send(
      new DescribeKeyCommand({ KeyId: 'arn:aws:kms:eu-central-1:000000000000:alias/app/orders' }),
    )
    assert.equal(byArn.KeyMetadata?.KeyId, first.KeyId)
    const listed = await client.send(new ListAliasesCommand({ KeyId: first.KeyId }))
    assert.deepEqual(
      listed.Aliases?.map((a) => [a.AliasName, a.TargetKeyId]),
      [['alias/app/orders', first.KeyId]],
    )
    await client.send(new UpdateAliasCommand({ AliasName: 'alias/app/orders', TargetKeyId: second.KeyId }))
    const now = await client.send(new DescribeKeyCommand({ KeyId: 'alias/app/orders' }))
    assert.equal(now.KeyMetadata?.KeyId, second.KeyId)
    // The blob names its key, so data sealed before the alias moved still decrypts.
    assert.equal(
      text((await client.send(new DecryptCommand({ CiphertextBlob: sealed.CiphertextBlob }))).Plaintext),
      'x',
    )
    await client.send(new DeleteAliasCommand({ AliasName: 'alias/app/orders' }))
    await assert.rejects(
      client.send(new DescribeKeyCommand({ KeyId: 'alias/app/orders' })),
      NotFoundException,
    )
    await assert.rejects(
      client.send(new DeleteAliasCommand({ AliasName: 'alias/app/orders' })),
      NotFoundException,
    )
  })

  it('key states: DisableKey refuses use (DisabledException), ScheduleKeyDeletion (KMSInvalidStateException), cancel leaves it Disabled', async () => {
    const { KeyId } = await newKey()
    await client.send(new DisableKeyCommand({ KeyId }))
    await assert.rejects(
      client.send(new EncryptCommand({ KeyId, Plaintext: Buffer.from('x') })),
      DisabledException,
    )
    await client.send(new EnableKeyCommand({ KeyId }))
    const sealed = await client.send(new EncryptCommand({ KeyId, Plaintext: Buffer.from('x') }))
    const scheduled = await client.send(new ScheduleKeyDeletionCommand({ KeyId, PendingWindowInDays: 7 }))
    assert.equal(scheduled.KeyState, 'PendingDeletion')
    assert.equal(scheduled.PendingWindowInDays, 7)
    assert.ok(scheduled.DeletionDate instanceof Date)
    await assert.rejects(
      client.send(new DecryptCommand({ CiphertextBlob: sealed.CiphertextBlob })),
      KMSInvalidStateException,
    )
    const described = (await client.send(new DescribeKeyCommand({ KeyId }))).KeyMetadata!
    assert.equal(described.KeyState, 'PendingDeletion')
    await assert.rejects(
      client.send(new ScheduleKeyDeletionCommand({ KeyId, PendingWindowInDays: 3 })),
      (e: Error) => e.name === 'ValidationException',
    )
    await client.send(new CancelKeyDeletionCommand({ KeyId }))
    assert.equal((await client.send(new DescribeKeyCommand({ KeyId }))).KeyMetadata?.KeyState, 'Disabled')
  })

  it('rotation is transit auto_rotate_period 365d; tags are merged and removed', async () => {
    const { KeyId } = await newKey()
    assert.equal((await client.send(new GetKeyRotationStatusCommand({ KeyId }))).KeyRotationEnabled, false)
    await client.send(new EnableKeyRotationCommand({ KeyId }))
    assert.equal((await client.send(new GetKeyRotationStatusCommand({ KeyId }))).KeyRotationEnabled, true)
    const transit = await mustCall(t, 'GET', `kms/keys/${KeyId}`)
    assert.equal(transit.body.data.auto_rotate_period, 365 * 24 * 3600)
    await client.send(
      new TagResourceCommand({
        KeyId,
        Tags: [
          { TagKey: 'a', TagValue: '1' },
          { TagKey: 'b', TagValue: '2' },
        ],
      }),
    )
    await client.send(new TagResourceCommand({ KeyId, Tags: [{ TagKey: 'a', TagValue: '3' }] }))
    await client.send(new UntagResourceCommand({ KeyId, TagKeys: ['b'] }))
    assert.deepEqual((await client.send(new ListResourceTagsCommand({ KeyId }))).Tags, [
      { TagKey: 'a', TagValue: '3' },
    ])
  })

  it('cross-API: a KMS key encrypts through transit, and both ciphertexts decrypt to the same plaintext through their own APIs', async () => {
    const { KeyId } = await newKey()
    const plaintext = Buffer.from('shared secret data')
    const transitSealed = await mustCall(t, 'POST', `kms/encrypt/${KeyId}`, {
      plaintext: plaintext.toString('base64'),
    })
    assert.match(transitSealed.body.data.ciphertext, /^vault:v1:/)
    const kmsSealed = await client.send(new EncryptCommand({ KeyId, Plaintext: plaintext }))
    const viaTransit = await mustCall(t, 'POST', `kms/decrypt/${KeyId}`, {
      ciphertext: transitSealed.body.data.ciphertext,
    })
    const viaKms = await client.send(new DecryptCommand({ CiphertextBlob: kmsSealed.CiphertextBlob }))
    assert.deepEqual(Buffer.from(viaTransit.body.data.plaintext, 'base64'), plaintext)
    assert.deepEqual(Buffer.from(viaKms.Plaintext!), plaintext)
    // A key created through transit is not a KMS key (no metadata): NotFoundException.
    await mustCall(t, 'POST', 'kms/keys/plain-transit', {})
    await assert.rejects(
      client.send(new DescribeKeyCommand({ KeyId: '00000000-0000-4000-8000-000000000000' })),
      NotFoundException,
    )
  })

  it('errors: InvalidKeyUsageException, ValidationException, NotFoundException, and AccessDenied from policy', async () => {
    const mac = await newKey({ KeySpec: 'HMAC_256', KeyUsage: 'GENERATE_VERIFY_MAC' })
    assert.equal(mac.KeyUsage, 'GENERATE_VERIFY_MAC')
    await assert.rejects(
      client.send(new EncryptCommand({ KeyId: mac.KeyId, Plaintext: Buffer.from('x') })),
      InvalidKeyUsageException,
    )
    await assert.rejects(
      client.send(new CreateKeyCommand({ KeySpec: 'ECC_NIST_P256', KeyUsage: 'ENCRYPT_DECRYPT' })),
      (e: Error) => e.name === 'ValidationException',
    )
    await assert.rejects(
      client.send(new EncryptCommand({ KeyId: 'alias/none', Plaintext: Buffer.from('x') })),
      NotFoundException,
    )
    const { KeyId } = await newKey()
    await assert.rejects(
      client.send(new GenerateDataKeyCommand({ KeyId, KeySpec: 'AES_256', NumberOfBytes: 32 })),
      (e: Error) => e.name === 'ValidationException',
    )
    // A caller allowed to encrypt with this key only: Decrypt and other keys are refused by policy.
    await mustCall(t, 'PUT', 'sys/policies/acl/kms-encrypt-one', {
      policy: `path "kms/encrypt/${KeyId}" { capabilities = ["update"] }`,
    })
    const limited = await accessKeyFor(t, 'kms-limited', 'kms-encrypt-one')
    const limitedClient = new KMSClient(config({ accessKeyId: limited.id, secretAccessKey: limited.secret }))
    const sealed = await limitedClient.send(new EncryptCommand({ KeyId, Plaintext: Buffer.from('x') }))
    await assert.rejects(
      limitedClient.send(new DecryptCommand({ CiphertextBlob: sealed.CiphertextBlob })),
      (e: Error) => e.name === 'AccessDeniedException',
    )
    await assert.rejects(
      limitedClient.send(new CreateKeyCommand({})),
      (e: Error) => e.name === 'AccessDeniedException',
    )
  })

  it('Sign/Verify (RSA-PSS, PKCS#1 v1.5, ECDSA) checked against GetPublicKey by Node, and GenerateMac/VerifyMac', async () => {
    const message = Buffer.from('sign me')
    for (const [KeySpec, SigningAlgorithm, check] of [
      ['RSA_2048', 'RSASSA_PSS_SHA_256', { padding: crypto.constants.RSA_PKCS1_PSS_PADDING, saltLength: 32 }],
      ['RSA_2048', 'RSASSA_PKCS1_V1_5_SHA_384', { padding: crypto.constants.RSA_PKCS1_PADDING }],
      ['ECC_NIST_P256', 'ECDSA_SHA_256', {}],
      ['ECC_NIST_P384', 'ECDSA_SHA_384', {}],
    ] as const) {
      const { KeyId } = await newKey({ KeySpec, KeyUsage: 'SIGN_VERIFY' })
      const signed = await client.send(
        new SignCommand({ KeyId, Message: message, MessageType: 'RAW', SigningAlgorithm }),
      )
      const pub = await client.send(new GetPublicKeyCommand({ KeyId }))
      assert.equal(pub.KeySpec, KeySpec)
      assert.ok(pub.SigningAlgorithms?.includes(SigningAlgorithm))
      const publicKey = crypto.createPublicKey({
        key: Buffer.from(pub.PublicKey!),
        format: 'der',
        type: 'spki',
      })
      const digest = `sha${SigningAlgorithm.slice(-3)}`
      assert.ok(
        crypto.verify(digest, message, { key: publicKey, ...check }, Buffer.from(signed.Signature!)),
        `${SigningAlgorithm} verifies`,
      )
      const verified = await client.send(
        new VerifyCommand({ KeyId, Message: message, Signature: signed.Signature, SigningAlgorithm }),
      )
      assert.equal(verified.SignatureValid, true)
      await assert.rejects(
        client.send(
          new VerifyCommand({
            KeyId,
            Message: Buffer.from('other'),
            Signature: signed.Signature,
            SigningAlgorithm,
          }),
        ),
        KMSInvalidSignatureException,
      )
      await assert.rejects(
        client.send(
          new SignCommand({
            KeyId,
            Message: message,
            SigningAlgorithm: KeySpec.startsWith('RSA') ? 'ECDSA_SHA_256' : 'RSASSA_PSS_SHA_256',
          }),
        ),
        InvalidKeyUsageException,
      )
    }
    const { KeyId } = await newKey({ KeySpec: 'HMAC_256', KeyUsage: 'GENERATE_VERIFY_MAC' })
    const mac = await client.send(
      new GenerateMacCommand({ KeyId, Message: message, MacAlgorithm: 'HMAC_SHA_256' }),
    )
    assert.equal(mac.Mac?.length, 32)
    const ok = await client.send(
      new VerifyMacCommand({ KeyId, Message: message, Mac: mac.Mac, MacAlgorithm: 'HMAC_SHA_256' }),
    )
    assert.equal(ok.MacValid, true)
    await assert.rejects(
      client.send(
        new VerifyMacCommand({
          KeyId,
          Message: Buffer.from('x'),
          Mac: mac.Mac,
          MacAlgorithm: 'HMAC_SHA_256',
        }),
      ),
      KMSInvalidMacException,
    )
  })

  it("Sign/Verify with MessageType DIGEST: PKCS#1 v1.5 over the caller's digest equals the RAW signature", async () => {
    const message = Buffer.from('digest me')
    const { KeyId } = await newKey({ KeySpec: 'RSA_2048', KeyUsage: 'SIGN_VERIFY' })
    for (const SigningAlgorithm of [
      'RSASSA_PKCS1_V1_5_SHA_256',
      'RSASSA_PKCS1_V1_5_SHA_384',
      'RSASSA_PKCS1_V1_5_SHA_512',
    ] as const) {
      const bits = SigningAlgorithm.slice(-3)
      const digest = crypto.createHash(`sha${bits}`).update(message).digest()
      const raw = await client.send(
        new SignCommand({ KeyId, Message: message, MessageType: 'RAW', SigningAlgorithm }),
      )
      const ofDigest = await client.send(
        new SignCommand({ KeyId, Message: digest, MessageType: 'DIGEST', SigningAlgorithm }),
      )
      // PKCS#1 v1.5 is deterministic: the digest's signature is the message's.
      assert.deepEqual(Buffer.from(ofDigest.Signature!), Buffer.from(raw.Signature!), SigningAlgorithm)
      const verified = await client.send(
        new VerifyCommand({
          KeyId,
          Message: digest,
          MessageType: 'DIGEST',
          Signature: raw.Signature,
          SigningAlgorithm,
        }),
      )
      assert.equal(verified.SignatureValid, true)
      await assert.rejects(
        client.send(
          new VerifyCommand({
            KeyId,
            Message: crypto.createHash(`sha${bits}`).update('other').digest(),
            MessageType: 'DIGEST',
            Signature: raw.Signature,
            SigningAlgorithm,
          }),
        ),
        KMSInvalidSignatureException,
      )
    }
    const digest = crypto.createHash('sha256').update(message).digest()
    await assert.rejects(
      client.send(
        new SignCommand({
          KeyId,
          Message: digest.subarray(1),
          MessageType: 'DIGEST',
          SigningAlgorithm: 'RSASSA_PKCS1_V1_5_SHA_256',
        }),
      ),
      (error: Error) => error.name === 'ValidationException' && /invalid length/.test(error.message),
    )
  })

  it('Sign/Verify with MessageType DIGEST for RSA-PSS (salt = digest length) and ECDSA: verified by Node as the message', async () => {
    const message = Buffer.from('digest me too')
    const rsa = await newKey({ KeySpec: 'RSA_2048', KeyUsage: 'SIGN_VERIFY' })
    const ec = await newKey({ KeySpec: 'ECC_NIST_P256', KeyUsage: 'SIGN_VERIFY' })
    const cases = [
      [rsa.KeyId, 'RSASSA_PSS_SHA_256', { padding: crypto.constants.RSA_PKCS1_PSS_PADDING, saltLength: 32 }],
      [rsa.KeyId, 'RSASSA_PSS_SHA_512', { padding: crypto.constants.RSA_PKCS1_PSS_PADDING, saltLength: 64 }],
      [ec.KeyId, 'ECDSA_SHA_256', {}],
    ] as const
    for (const [KeyId, SigningAlgorithm, check] of cases) {
      const hash = `sha${SigningAlgorithm.slice(-3)}`
      const digest = crypto.createHash(hash).update(message).digest()
      const publicKey = crypto.createPublicKey({
        key: Buffer.from((await client.send(new GetPublicKeyCommand({ KeyId }))).PublicKey!),
        format: 'der',
        type: 'spki',
      })
      const signed = await client.send(
        new SignCommand({ KeyId, Message: digest, MessageType: 'DIGEST', SigningAlgorithm }),
      )
      assert.equal(signed.SigningAlgorithm, SigningAlgorithm)
      const signature = Buffer.from(signed.Signature!)
      assert.ok(crypto.verify(hash, message, { key: publicKey, ...check }, signature), SigningAlgorithm)
      // A RAW signature verifies as a DIGEST one and the other way round.
      const raw = await client.send(
        new SignCommand({ KeyId, Message: message, MessageType: 'RAW', SigningAlgorithm }),
      )
      for (const [Message, MessageType, Signature] of [
        [digest, 'DIGEST', raw.Signature],
        [message, 'RAW', signed.Signature],
        [digest, 'DIGEST', signed.Signature],
      ] as const) {
        const verified = await client.send(
          new VerifyCommand({ KeyId, Message, MessageType, Signature, SigningAlgorithm }),
        )
        assert.equal(verified.SignatureValid, true, `${SigningAlgorithm} ${MessageType}`)
      }
      await assert.rejects(
        client.send(
          new VerifyCommand({
            KeyId,
            Message: crypto.createHash(hash).update('other').digest(),
            MessageType: 'DIGEST',
            Signature: signed.Signature,
            SigningAlgorithm,
          }),
        ),
        KMSInvalidSignatureException,
      )
      await assert.rejects(
        client.send(
          new SignCommand({ KeyId, Message: digest.subarray(2), MessageType: 'DIGEST', SigningAlgorithm }),
        ),
        (error: Error) => error.name === 'ValidationException' && /invalid length/.test(error.message),
      )
    }
  })

  it('a rate-limit quota on the encrypt path of one key throttles that key only (ThrottlingException)', async () => {
    const busy = await newKey()
    const other = await newKey()
    await mustCall(t, 'POST', 'sys/quotas/rate-limit/kms-one-key', {
      path: `kms/encrypt/${busy.KeyId}`,
      rate: 1,
      interval: '1h',
    })
    const encrypt = (KeyId: string | undefined) =>
      client.send(new EncryptCommand({ KeyId, Plaintext: Buffer.from('x') }))
    let refusal: Error | undefined
    for (let i = 0; i < 5 && !refusal; i++)
      refusal = await encrypt(busy.KeyId).then(
        () => undefined,
        (e: Error) => e,
      )
    assert.equal(refusal?.name, 'ThrottlingException')
    await encrypt(other.KeyId)
    await mustCall(t, 'DELETE', 'sys/quotas/rate-limit/kms-one-key')
  })
})
