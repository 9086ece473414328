// GenerateDataKeyPair(WithoutPlaintext): a fresh asymmetric key pair, its private key (PKCS#8 DER) sealed under a symmetric KMS key.
import { generateKeyPair, type KeyObject } from 'node:crypto'
import { promisify } from 'node:util'
import { AwsError } from '../../../../sdk/aws-error.ts'
import { optString, validation } from '../../../../sdk/aws-input.ts'
import type { KmsContext } from './context.ts'
import { seal, symmetricEncryptionKey } from './crypto-actions.ts'

type Input = Record<string, unknown>
type Output = Record<string, unknown>

const generate = promisify(generateKeyPair) as (
  type: string,
  options: Record<string, unknown>,
) => Promise<{ publicKey: KeyObject; privateKey: KeyObject }>

/** The model's DataKeyPairSpec values, each with how Node makes such a pair; SM2 is China Regions only at AWS too. */
const PAIR_SPECS: Record<string, { type: string; options: Record<string, unknown> } | undefined> = {
  RSA_2048: { type: 'rsa', options: { modulusLength: 2048 } },
  RSA_3072: { type: 'rsa', options: { modulusLength: 3072 } },
  RSA_4096: { type: 'rsa', options: { modulusLength: 4096 } },
  ECC_NIST_P256: { type: 'ec', options: { namedCurve: 'prime256v1' } },
  ECC_NIST_P384: { type: 'ec', options: { namedCurve: 'secp384r1' } },
  ECC_NIST_P521: { type: 'ec', options: { namedCurve: 'secp521r1' } },
  ECC_SECG_P256K1: { type: 'ec', options: { namedCurve: 'secp256k1' } },
  ECC_NIST_EDWARDS25519: { type: 'ed25519', options: {} },
  SM2: undefined,
}

function pairSpec(input: Input): { name: string; type: string; options: Record<string, unknown> } {
  if (input['KeyPairSpec'] === undefined || input['KeyPairSpec'] === null)
    throw validation('keyPairSpec', 'Member must not be null')
  const name = optString(input, 'KeyPairSpec')!
  if (!Object.hasOwn(PAIR_SPECS, name))
    throw validation(
      'keyPairSpec',
      `Member must satisfy enum value set: [${Object.keys(PAIR_SPECS).join(', ')}]`,
    )
  const spec = PAIR_SPECS[name]
  if (spec === undefined)
    throw new AwsError(
      'UnsupportedOperationException',
      `KeyPairSpec ${name} is not supported in this region.`,
    )
  return { name, ...spec }
}

/**
 * The pair is made after the key is checked (Enabled, symmetric, ENCRYPT_DECRYPT), off the event loop (an RSA 4096
 * pair takes a while). The private key is sealed exactly as GenerateDataKey seals a data key, EncryptionContext
 * included; its plaintext is answered only by GenerateDataKeyPair.
 */
export async function generateDataKeyPair(
  ctx: KmsContext,
  keyId: string,
  input: Input,
  withPlaintext: boolean,
): Promise<Output> {
  const spec = pairSpec(input)
  const action = withPlaintext ? 'GenerateDataKeyPair' : 'GenerateDataKeyPairWithoutPlaintext'
  const key = await symmetricEncryptionKey(ctx, keyId, input, action)
  const pair = await generate(spec.type, spec.options)
  const privateDer = pair.privateKey.export({ type: 'pkcs8', format: 'der' })
  try {
    const out: Output = {
      PrivateKeyCiphertextBlob: seal(key, keyId, privateDer, input).toString('base64'),
      PublicKey: pair.publicKey.export({ type: 'spki', format: 'der' }).toString('base64'),
      KeyId: ctx.arn(keyId),
      KeyPairSpec: spec.name,
    }
    if (withPlaintext) out['PrivateKeyPlaintext'] = privateDer.toString('base64')
    return out
  } finally {
    privateDer.fill(0)
  }
}
