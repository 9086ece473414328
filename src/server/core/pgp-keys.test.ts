// PGP key parsing and encryption for the ceremonies, against keys generated here and decrypted back.
import assert from 'node:assert/strict'
import { before, describe, it } from 'node:test'
import { decrypt, generateKey, readMessage, readPrivateKey } from 'openpgp'
import { InvalidRequestError } from '../../sdk/errors.ts'
import { encryptShares, encryptToKeys, parsePgpKeys, pgpFingerprint } from './pgp-keys.ts'

interface Pair {
  publicB64: string
  privateKey: Uint8Array
}

async function pair(name: string): Promise<Pair> {
  const keys = await generateKey({
    type: 'ecc',
    curve: 'curve25519Legacy',
    userIDs: [{ name }],
    format: 'binary',
  })
  return { publicB64: Buffer.from(keys.publicKey).toString('base64'), privateKey: keys.privateKey }
}

async function open(message: Uint8Array, owner: Pair): Promise<Buffer> {
  const decryptionKeys = await readPrivateKey({ binaryKey: owner.privateKey })
  const { data } = await decrypt({
    message: await readMessage({ binaryMessage: message }),
    decryptionKeys,
    format: 'binary',
  })
  return Buffer.from(data)
}

const refused = (pattern: RegExp) => (error: Error) =>
  error instanceof InvalidRequestError && pattern.test(error.message)

describe('parsePgpKeys', () => {
  let alice: Pair
  let bob: Pair
  before(async () => {
    alice = await pair('alice')
    bob = await pair('bob')
  })

  it('reads base64 binary public keys in order, with lowercase hex fingerprints', async () => {
    const keys = await parsePgpKeys([alice.publicB64, ` ${bob.publicB64}\n`], 'pgp_keys')
    assert.equal(keys.length, 2)
    const expected = (await readPrivateKey({ binaryKey: bob.privateKey })).getFingerprint()
    assert.equal(pgpFingerprint(keys[1]!), expected.toLowerCase())
    assert.match(pgpFingerprint(keys[0]!), /^[0-9a-f]{40}$/)
  })

  it('refuses keybase: names with the way out, naming the field and index', async () => {
    await assert.rejects(
      parsePgpKeys([alice.publicB64, 'keybase:jefferai'], 'pgp_keys'),
      refused(/^pgp_keys\[1\]: keybase: keys are not supported.*gpg --export/),
    )
  })

  it('refuses empty, non-string, non-base64 and unparsable values', async () => {
    await assert.rejects(parsePgpKeys([''], 'pgp_key'), refused(/^pgp_key\[0\] must be a base64/))
    await assert.rejects(parsePgpKeys([42], 'pgp_keys'), refused(/must be a base64/))
    await assert.rejects(parsePgpKeys(['not base64!'], 'pgp_keys'), refused(/not base64/))
    await assert.rejects(
      parsePgpKeys([Buffer.from('hello world').toString('base64')], 'pgp_keys'),
      refused(/^pgp_keys\[0\]: error parsing given PGP key/),
    )
  })

  it('refuses a private key, so an operator never ships one by mistake', async () => {
    await assert.rejects(
      parsePgpKeys([Buffer.from(alice.privateKey).toString('base64')], 'pgp_keys'),
      refused(/private key; pass the public key only/),
    )
  })

  it('refuses a key that cannot receive messages (no encryption subkey)', async () => {
    const signOnly = await generateKey({
      type: 'ecc',
      curve: 'curve25519Legacy',
      userIDs: [{ name: 'signer' }],
      subkeys: [{ sign: true }],
      format: 'binary',
    })
    await assert.rejects(
      parsePgpKeys([Buffer.from(signOnly.publicKey).toString('base64')], 'pgp_keys'),
      refused(/no usable encryption subkey/),
    )
  })
})

describe('encryptToKeys / encryptShares', () => {
  it('encrypts each plaintext to the key at its index; only that key opens it', async () => {
    const [alice, bob] = [await pair('alice'), await pair('bob')]
    const keys = await parsePgpKeys([alice.publicB64, bob.publicB64], 'pgp_keys')
    const { fingerprints, messages } = await encryptToKeys(
      [Buffer.from('for alice'), Buffer.from('for bob')],
      keys,
    )
    assert.deepEqual(fingerprints, keys.map(pgpFingerprint))
    assert.equal((await open(messages[0]!, alice)).toString(), 'for alice')
    assert.equal((await open(messages[1]!, bob)).toString(), 'for bob')
    await assert.rejects(open(messages[1]!, alice))
  })

  it('refuses a mismatch between plaintexts and keys', async () => {
    const keys = await parsePgpKeys([(await pair('solo')).publicB64], 'pgp_keys')
    await assert.rejects(encryptToKeys([Buffer.from('a'), Buffer.from('b')], keys), /mismatch between number/)
  })

  it('a share is encrypted as its hex text, as Vault does', async () => {
    const carol = await pair('carol')
    const keys = await parsePgpKeys([carol.publicB64], 'pgp_keys')
    const share = Uint8Array.from([0x00, 0xab, 0x10, 0xff])
    const { messages } = await encryptShares([share], keys)
    assert.equal((await open(messages[0]!, carol)).toString(), '00ab10ff')
  })
})
