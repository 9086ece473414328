// CloudTrail records built from calls: identities, member names, and secret members left out at any depth.
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { type CloudTrailCall, cloudTrailRecord, eventOf, lowerCamel } from './cloudtrail.ts'

const call = (over: Partial<CloudTrailCall>): CloudTrailCall => ({
  target: 'secretsmanager.GetSecretValue',
  region: 'eu-west-1',
  requestId: 'req-1',
  eventId: 'evt-1',
  time: Date.UTC(2026, 11, 6, 10, 0, 0, 123),
  sourceIpAddress: '192.0.2.1',
  userAgent: 'aws-cli/1.45',
  identity: undefined,
  input: {},
  output: undefined,
  ...over,
})

describe('cloudTrailRecord', () => {
  it('names event sources by X-Amz-Target and ignores unknown targets', () => {
    assert.deepEqual(eventOf('AmazonSSM.GetParameter'), { source: 'ssm.amazonaws.com', name: 'GetParameter' })
    assert.equal(eventOf('DynamoDB_20120810.GetItem'), undefined)
    assert.equal(eventOf('secretsmanager.'), undefined)
    assert.equal(cloudTrailRecord(call({ target: 'nonsense' })), undefined)
  })

  it('uses CloudTrail member names', () => {
    assert.equal(lowerCamel('SecretId'), 'secretId')
    assert.equal(lowerCamel('ARN'), 'arn')
    assert.equal(lowerCamel('KMSKeyId'), 'kmsKeyId')
    assert.equal(lowerCamel('name'), 'name')
  })

  it('describes session credentials as an AssumedRole with its issuer', () => {
    const record = cloudTrailRecord(
      call({
        identity: {
          access_key_id: 'CASIAEXAMPLE',
          role: 'ci',
          account_id: '111122223333',
          arn: 'arn:aws:sts::111122223333:assumed-role/ci/build-7',
          user_id: 'AROAEXAMPLE:build-7',
          role_session_name: 'build-7',
        },
      }),
    )!
    assert.deepEqual(record['userIdentity'], {
      type: 'AssumedRole',
      principalId: 'AROAEXAMPLE:build-7',
      arn: 'arn:aws:sts::111122223333:assumed-role/ci/build-7',
      accountId: '111122223333',
      accessKeyId: 'CASIAEXAMPLE',
      sessionContext: {
        sessionIssuer: {
          type: 'Role',
          principalId: 'AROAEXAMPLE',
          arn: 'arn:aws:iam::111122223333:role/ci',
          accountId: '111122223333',
          userName: 'ci',
        },
        attributes: { mfaAuthenticated: 'false' },
      },
    })
    assert.equal(record['eventTime'], '2026-12-06T10:00:00Z')
    assert.equal(record['recipientAccountId'], '111122223333')
  })

  it('leaves out every secret member: values, binaries, passwords, parameter values, credentials', () => {
    const create = cloudTrailRecord(
      call({
        target: 'secretsmanager.CreateSecret',
        input: {
          Name: 'n',
          SecretString: 'v1',
          SecretBinary: 'djE=',
          Tags: [{ Key: 'team', Value: 'a' }],
        },
        output: { ARN: 'arn:x', Name: 'n', VersionId: 'v' },
      }),
    )!
    assert.deepEqual(create['requestParameters'], { name: 'n', tags: [{ key: 'team', value: 'a' }] })
    assert.deepEqual(create['responseElements'], { arn: 'arn:x', name: 'n', versionId: 'v' })
    const put = cloudTrailRecord(
      call({
        target: 'AmazonSSM.PutParameter',
        input: { Name: '/p', Value: 'v2', Type: 'SecureString', Overwrite: true },
        output: { Version: 2, Tier: 'Standard' },
      }),
    )!
    assert.deepEqual(put['requestParameters'], { name: '/p', type: 'SecureString', overwrite: true })
    assert.deepEqual(put['responseElements'], { version: 2, tier: 'Standard' })
    const password = cloudTrailRecord(
      call({
        target: 'secretsmanager.GetRandomPassword',
        input: { PasswordLength: 24 },
        output: { RandomPassword: 'v3' },
      }),
    )!
    assert.equal(password['responseElements'], null)
    // A write whose output were to carry parameters: their values are dropped too.
    const odd = cloudTrailRecord(
      call({
        target: 'AmazonSSM.LabelParameterVersion',
        input: { Name: '/p', Labels: ['l'] },
        output: { Parameters: [{ Name: '/p', Value: 'v4' }], Password: 'v5' },
      }),
    )!
    assert.deepEqual(odd['responseElements'], { parameters: [{ name: '/p' }] })
    // KMS: the plaintext, the ciphertext blob and a message to sign are dropped; the key and context stay.
    const kms = cloudTrailRecord(
      call({
        target: 'TrentService.Encrypt',
        input: { KeyId: 'k', Plaintext: 'v6', EncryptionContext: { a: 'b' } },
        output: { CiphertextBlob: 'v7', KeyId: 'arn:k' },
      }),
    )!
    assert.equal(kms['eventSource'], 'kms.amazonaws.com')
    assert.deepEqual(kms['requestParameters'], { keyId: 'k', encryptionContext: { a: 'b' } })
    // A data key pair: the private key, in clear or sealed, is dropped; the public key and spec stay.
    const pair = cloudTrailRecord(
      call({
        target: 'TrentService.GenerateDataKeyPair',
        input: { KeyId: 'k', KeyPairSpec: 'ECC_NIST_P256' },
        output: {
          PrivateKeyPlaintext: 'v8',
          PrivateKeyCiphertextBlob: 'v9',
          PublicKey: 'pub',
          KeyId: 'arn:k',
        },
      }),
    )!
    assert.deepEqual(pair['responseElements'], { publicKey: 'pub', keyId: 'arn:k' })
    for (const record of [create, put, password, odd, kms, pair])
      assert.doesNotMatch(JSON.stringify(record), /"v[1-9]"|djE=/)
  })

  it('records an STS web identity session with the credentials id and expiry only', () => {
    const record = cloudTrailRecord(
      call({
        target: 'AWSSecurityTokenServiceV20110615.AssumeRoleWithWebIdentity',
        input: { role_session_name: 'pod', duration_seconds: 900, subject: 'system:serviceaccount:ns:app' },
        output: {
          access_key_id: 'CASIA1',
          secret_access_key: 'v6',
          session_token: 'v7',
          expiration: '2026-12-06T10:15:00Z',
          assumed_role_id: 'AROA1:pod',
          assumed_role_arn: 'arn:aws:sts::111122223333:assumed-role/app/pod',
        },
      }),
    )!
    assert.deepEqual(record['userIdentity'], {
      type: 'WebIdentityUser',
      principalId: 'system:serviceaccount:ns:app',
      userName: 'system:serviceaccount:ns:app',
    })
    assert.deepEqual(record['requestParameters'], {
      roleArn: 'arn:aws:iam::111122223333:role/app',
      roleSessionName: 'pod',
      durationSeconds: 900,
    })
    assert.deepEqual(record['responseElements'], {
      credentials: { accessKeyId: 'CASIA1', expiration: '2026-12-06T10:15:00Z' },
      subjectFromWebIdentityToken: 'system:serviceaccount:ns:app',
      assumedRoleUser: { assumedRoleId: 'AROA1:pod', arn: 'arn:aws:sts::111122223333:assumed-role/app/pod' },
    })
    assert.equal(record['recipientAccountId'], '111122223333')
    assert.doesNotMatch(JSON.stringify(record), /"v6"|"v7"/)
  })
})
