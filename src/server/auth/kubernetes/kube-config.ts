// The kubernetes mount's configuration: where the TokenReview API is and how to trust it, or PEM keys to verify locally.
import { X509Certificate } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { PublicKeyPemError, parsePublicKeyPem } from '../../../lib/public-key-pem.ts'
import { InvalidRequestError } from '../../../sdk/errors.ts'
import { definePath } from '../../../sdk/framework/backend.ts'
import { f } from '../../../sdk/framework/fields.ts'
import { getJson, putJson, type Storage } from '../../../sdk/storage.ts'

export const CONFIG_KEY = 'config'
/** Where a pod finds its own service account token and the cluster CA (used unless disable_local_ca_jwt). */
const LOCAL_JWT = '/var/run/secrets/kubernetes.io/serviceaccount/token'
const LOCAL_CA = '/var/run/secrets/kubernetes.io/serviceaccount/ca.crt'

export interface KubeConfig {
  kubernetesHost: string
  kubernetesCaCert: string
  /** Never returned on read. */
  tokenReviewerJwt: string
  pemKeys: string[]
  issuer: string
  disableIssValidation: boolean
  disableLocalCaJwt: boolean
}

export function loadKubeConfig(storage: Storage): Promise<KubeConfig | undefined> {
  return getJson<KubeConfig>(storage, CONFIG_KEY)
}

function readLocal(path: string): string {
  try {
    return readFileSync(path, 'utf8').trim()
  } catch {
    return ''
  }
}

/** The reviewer JWT and CA to use: the configured ones, else (in a pod, unless disabled) the pod's own. */
export function reviewerCredentials(config: KubeConfig): { jwt: string; ca: string } {
  const local = !config.disableLocalCaJwt
  return {
    jwt: config.tokenReviewerJwt || (local ? readLocal(LOCAL_JWT) : ''),
    ca: config.kubernetesCaCert || (local ? readLocal(LOCAL_CA) : ''),
  }
}

/**
 * The API server's base URL from kubernetes_host, which Vault documents as "a host string, a host:port pair, or a
 * URL". A value without a scheme gets one the way client-go's DefaultServerURL adds it; Coffer always picks https
 * (client-go picks http when no TLS settings are given) because the reviewer JWT must not travel in clear text.
 */
export function kubernetesBaseUrl(host: string): string {
  const hasScheme = /^[a-z][a-z0-9+.-]*:(\/\/|$)/i.test(host)
  let url: URL | undefined
  try {
    url = new URL(hasScheme ? host : `https://${host}`)
  } catch {
    url = undefined
  }
  const usable =
    url !== undefined &&
    (url.protocol === 'https:' || url.protocol === 'http:') &&
    url.hostname !== '' &&
    url.username === '' &&
    url.password === '' &&
    url.search === '' &&
    url.hash === ''
  if (!usable)
    throw new InvalidRequestError(
      `invalid kubernetes_host ${JSON.stringify(host)}: expected a host, a host:port pair, or an http(s) URL`,
    )
  return url!.href.replace(/\/+$/, '')
}

const fields = {
  kubernetes_host: f.string({
    description: 'The Kubernetes API server: a host, a host:port pair (https is assumed), or a URL.',
  }),
  kubernetes_ca_cert: f.string({
    description: 'PEM CA certificate that signs the API server’s certificate.',
  }),
  token_reviewer_jwt: f.string({
    description: 'A JWT allowed to call the TokenReview API; the client’s own when unset.',
    sensitive: true,
  }),
  pem_keys: f.list({
    description:
      'PEM public keys or certificates that sign service account tokens; verification is then local.',
  }),
  issuer: f.string({ description: 'The iss claim to expect (default "kubernetes/serviceaccount").' }),
  disable_iss_validation: f.bool({
    description: 'Skip the issuer check (the default, as in Vault).',
    default: true,
  }),
  disable_local_ca_jwt: f.bool({
    description: 'Do not fall back to the pod’s own token and CA.',
    default: false,
  }),
  use_annotations_as_alias_metadata: f.bool({ description: 'Not supported; must be false.' }),
}

/** Each entry must parse as a public key or a certificate carrying one (never a private key). */
function checkPemKeys(pems: string[]): void {
  for (const pem of pems) {
    try {
      parsePublicKeyPem(pem, { strict: false })
    } catch (error) {
      if (!(error instanceof PublicKeyPemError)) throw error
      throw new InvalidRequestError(
        /private key/.test(error.message)
          ? error.message
          : 'data does not contain any valid RSA or ECDSA public keys',
      )
    }
  }
}

const UNUSABLE_CA_WARNING =
  'Configured CA PEM data contains no valid certificates, TLS verification will fail'

/** Whether the PEM text starts with a parseable X.509 certificate (a bundle's first one). */
function holdsCertificate(pem: string): boolean {
  try {
    new X509Certificate(pem)
    return true
  } catch {
    return false
  }
}

export const configPath = definePath<typeof fields>({
  pattern: 'config',
  fields,
  help: 'How service account tokens are checked: the TokenReview API of kubernetes_host, after pem_keys if set.',
  operations: {
    read: async ({ storage }) => {
      const c = await loadKubeConfig(storage)
      if (!c) return undefined
      return {
        data: {
          kubernetes_host: c.kubernetesHost,
          kubernetes_ca_cert: c.kubernetesCaCert,
          pem_keys: c.pemKeys,
          issuer: c.issuer,
          disable_iss_validation: c.disableIssValidation,
          disable_local_ca_jwt: c.disableLocalCaJwt,
          use_annotations_as_alias_metadata: false,
        },
      }
    },
    update: async ({ storage, input }) => {
      const host = (input.kubernetes_host ?? '').replace(/\/+$/, '')
      if (host === '') throw new InvalidRequestError('no host provided')
      kubernetesBaseUrl(host)
      const ca = input.kubernetes_ca_cert ?? ''
      const disableLocalCaJwt = input.disable_local_ca_jwt ?? false
      // With the pod's own CA turned off there is nothing else to trust the API server by.
      if (disableLocalCaJwt && ca === '')
        throw new InvalidRequestError('kubernetes_ca_cert must be given when disable_local_ca_jwt is true')
      // As Vault (since 1.15): a CA holding no certificate is stored with a warning. It fails closed: the
      // TokenReview call is then made with a trust store holding nothing, so no API server is trusted.
      const warnings = ca !== '' && !holdsCertificate(ca) ? [UNUSABLE_CA_WARNING] : []
      const pemKeys = input.pem_keys ?? []
      checkPemKeys(pemKeys)
      if (input.use_annotations_as_alias_metadata)
        throw new InvalidRequestError('use_annotations_as_alias_metadata is not supported')
      const config: KubeConfig = {
        kubernetesHost: host,
        kubernetesCaCert: ca,
        tokenReviewerJwt: input.token_reviewer_jwt ?? '',
        pemKeys,
        issuer: input.issuer ?? '',
        disableIssValidation: input.disable_iss_validation ?? true,
        disableLocalCaJwt,
      }
      await putJson(storage, CONFIG_KEY, config)
      return warnings.length > 0 ? { warnings } : undefined
    },
  },
})
