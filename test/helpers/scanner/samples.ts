// Seeded generators of synthetic credentials in their real formats (valid checksums), for tests and the corpus bench.
// Nothing here is a live secret: every value is made at run time from a PRNG.
import { base62Crc32 } from '../../../src/scanner/validate.ts'
import { B62, B64, B64URL, HEX, type Rng, uuid } from './rng.ts'

const UPPER_NUM = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789'
const AWS_ID = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567'

/** A synthetic credential: `value` goes into the text; `secret` is what the scanner should report. */
export interface Sample {
  ruleId: string
  secret: string
  value: string
  /** A variable name that suits the value (some rules need the name as context). */
  name: string
  /** A whole file's text when the format is a file (key files, manifests); otherwise templates place `value`. */
  file?: { path: string; text: string }
}

const withCrc = (r: Rng, prefix: string) => {
  const body = r.str(B62, 30)
  return prefix + body + base62Crc32(body)
}

function pem(label: string, der: Buffer, headers = ''): string {
  const b64 = der.toString('base64').replace(/.{64}/g, '$&\n')
  return `-----BEGIN ${label}-----\n${headers}${b64.trimEnd()}\n-----END ${label}-----`
}

/** DER-shaped bytes: a SEQUENCE header, then random content of a key's size. */
function derLike(r: Rng, size: number): Buffer {
  const body = r.bytes(size)
  return Buffer.concat([Buffer.from([0x30, 0x82, size >> 8, size & 0xff, 0x02, 0x01, 0x00]), body])
}

type Gen = (r: Rng) => Omit<Sample, 'ruleId' | 'value' | 'name'> & { value?: string; name?: string }

const simple =
  (name: string, make: (r: Rng) => string): Gen =>
  (r) => ({ secret: make(r), name })

/** A URL whose reported part starts after the scheme. */
const url =
  (name: string, make: (r: Rng) => string): Gen =>
  (r) => {
    const value = make(r)
    return { secret: value.replace(/^https:\/\//, ''), value, name }
  }

export const GENERATORS: Record<string, Gen> = {
  'aws-access-key-id': simple('AWS_ACCESS_KEY_ID', (r) => r.pick(['AKIA', 'ASIA']) + r.str(AWS_ID, 16)),
  'aws-secret-access-key': simple('AWS_SECRET_ACCESS_KEY', (r) => r.str(B64, 40)),
  'aws-mws-key': simple('MWS_AUTH_TOKEN', (r) => `amzn.mws.${uuid(r)}`),
  'gcp-service-account-key': (r) => {
    const key = pem('PRIVATE KEY', derLike(r, 1200))
    const text = JSON.stringify(
      {
        type: 'service_account',
        project_id: `proj-${r.digits(6)}`,
        private_key_id: r.str(HEX, 40),
        private_key: `${key}\n`,
      },
      null,
      2,
    )
    return { secret: `${key.replace(/\n/g, '\\n')}\\n`, file: { path: 'service-account.json', text } }
  },
  'gcp-api-key': simple('GOOGLE_API_KEY', (r) => `AIza${r.str(B64URL, 35)}`),
  'gcp-oauth-client-secret': simple('GOOGLE_CLIENT_SECRET', (r) => `GOCSPX-${r.str(B64URL, 28)}`),
  'azure-storage-connection-string': (r) => {
    const key = r.bytes(64).toString('base64')
    return {
      secret: key,
      name: 'AZURE_STORAGE_CONNECTION_STRING',
      value: `DefaultEndpointsProtocol=https;AccountName=st${r.str('abcdefghij', 8)};AccountKey=${key};EndpointSuffix=core.windows.net`,
    }
  },
  'azure-sas-token': (r) => {
    const sig = encodeURIComponent(r.bytes(32).toString('base64'))
    return {
      secret: sig,
      name: 'BLOB_SAS_URL',
      value: `https://st${r.str('abcdefgh', 8)}.blob.core.windows.net/data?sv=2022-11-02&ss=b&srt=co&sp=rl&se=2030-01-01T00:00:00Z&sig=${sig}`,
    }
  },
  'azure-ad-client-secret': simple(
    'AZURE_CLIENT_SECRET',
    (r) => `${r.str(B62, 3)}${r.int(10)}Q~${r.str(`${B62}_~.-`, 34)}`,
  ),
  'alibaba-access-key-id': simple('ALIBABA_ACCESS_KEY_ID', (r) => `LTAI${r.str(B62, 20)}`),
  'digitalocean-pat': simple('DIGITALOCEAN_TOKEN', (r) => `dop_v1_${r.str(HEX, 64)}`),
  'digitalocean-oauth-token': simple('DO_OAUTH_TOKEN', (r) => `doo_v1_${r.str(HEX, 64)}`),
  'digitalocean-refresh-token': simple('DO_REFRESH_TOKEN', (r) => `dor_v1_${r.str(HEX, 64)}`),
  'heroku-api-key': simple('HEROKU_API_KEY', (r) => uuid(r)),
  'heroku-api-key-v2': simple('HEROKU_API_KEY', (r) => `HRKU-AA${r.str(B64URL, 58)}`),
  'github-pat': simple('GITHUB_TOKEN', (r) => withCrc(r, 'ghp_')),
  'github-oauth-token': simple('GH_OAUTH_TOKEN', (r) => withCrc(r, 'gho_')),
  'github-user-to-server-token': simple('GH_USER_TOKEN', (r) => withCrc(r, 'ghu_')),
  'github-app-installation-token': simple('GH_APP_TOKEN', (r) => withCrc(r, 'ghs_')),
  'github-refresh-token': simple('GH_REFRESH_TOKEN', (r) => withCrc(r, 'ghr_')),
  'github-fine-grained-pat': simple('GITHUB_PAT', (r) => `github_pat_${r.str(B62, 22)}_${r.str(B62, 59)}`),
  'gitlab-pat': simple('GITLAB_TOKEN', (r) => `glpat-${r.str(B64URL, 20)}`),
  'gitlab-deploy-token': simple('GITLAB_DEPLOY_TOKEN', (r) => `gldt-${r.str(B64URL, 20)}`),
  'gitlab-runner-token': simple('RUNNER_TOKEN', (r) => `glrt-${r.str(B64URL, 20)}`),
  'gitlab-runner-registration-token': simple('REGISTRATION_TOKEN', (r) => `GR1348941${r.str(B64URL, 20)}`),
  'gitlab-pipeline-trigger-token': simple('TRIGGER_TOKEN', (r) => `glptt-${r.str(HEX, 40)}`),
  'gitlab-oauth-app-secret': simple('GITLAB_APP_SECRET', (r) => `gloas-${r.str(HEX, 64)}`),
  'gitlab-ci-build-token': simple('CI_JOB_TOKEN', (r) => `glcbt-${r.str(B62, 2)}_${r.str(B64URL, 20)}`),
  'bitbucket-app-password': simple(
    'BITBUCKET_APP_PASSWORD',
    (r) => `ATBB${r.str(B62, 32)}${r.str(HEX.toUpperCase(), 8)}`,
  ),
  'atlassian-api-token': simple(
    'JIRA_API_TOKEN',
    (r) => `ATATT3${r.str(B64URL, 180)}=${r.str(HEX.toUpperCase(), 8)}`,
  ),
  'circleci-pat': simple('CIRCLE_TOKEN', (r) => `CCIPAT_${r.str(B62, 22)}_${r.str(HEX, 40)}`),
  'slack-bot-token': simple(
    'SLACK_BOT_TOKEN',
    (r) => `xoxb-${r.digits(12)}-${r.digits(13)}-${r.str(B62, 24)}`,
  ),
  'slack-user-token': simple(
    'SLACK_USER_TOKEN',
    (r) => `xoxp-${r.digits(12)}-${r.digits(12)}-${r.digits(13)}-${r.str(HEX, 32)}`,
  ),
  'slack-app-token': simple(
    'SLACK_APP_TOKEN',
    (r) => `xapp-1-A${r.str(UPPER_NUM, 10)}-${r.digits(13)}-${r.str(HEX, 64)}`,
  ),
  'slack-webhook-url': url(
    'SLACK_WEBHOOK_URL',
    (r) =>
      `https://hooks.slack.com/services/T${r.str(UPPER_NUM, 10)}/B${r.str(UPPER_NUM, 10)}/${r.str(B62, 24)}`,
  ),
  'discord-webhook-url': url(
    'DISCORD_WEBHOOK',
    (r) => `https://discord.com/api/webhooks/${r.digits(18)}/${r.str(B64URL, 68)}`,
  ),
  'telegram-bot-token': simple('TELEGRAM_BOT_TOKEN', (r) => `${r.digits(10)}:AA${r.str(B64URL, 33)}`),
  'stripe-secret-key': simple('STRIPE_SECRET_KEY', (r) => `sk_live_${r.str(B62, 99)}`),
  'stripe-restricted-key': simple('STRIPE_KEY', (r) => `rk_live_${r.str(B62, 99)}`),
  'stripe-test-secret-key': simple('STRIPE_TEST_KEY', (r) => `sk_test_${r.str(B62, 99)}`),
  'stripe-webhook-secret': simple('STRIPE_WEBHOOK_SECRET', (r) => `whsec_${r.str(B62, 32)}`),
  'twilio-api-key': simple('TWILIO_API_KEY', (r) => `SK${r.str(HEX, 32)}`),
  'twilio-auth-token': simple('TWILIO_AUTH_TOKEN', (r) => r.str(HEX, 32)),
  'sendgrid-api-key': simple('SENDGRID_API_KEY', (r) => `SG.${r.str(B64URL, 22)}.${r.str(B64URL, 43)}`),
  'mailgun-api-key': simple('MAILGUN_API_KEY', (r) => `key-${r.str(HEX, 32)}`),
  'mailchimp-api-key': simple('MAILCHIMP_API_KEY', (r) => `${r.str(HEX, 32)}-us${1 + r.int(20)}`),
  'shopify-access-token': simple('SHOPIFY_ACCESS_TOKEN', (r) => `shpat_${r.str(HEX, 32)}`),
  'shopify-custom-app-token': simple('SHOPIFY_TOKEN', (r) => `shpca_${r.str(HEX, 32)}`),
  'shopify-private-app-token': simple('SHOPIFY_PASSWORD', (r) => `shppa_${r.str(HEX, 32)}`),
  'shopify-shared-secret': simple('SHOPIFY_SECRET', (r) => `shpss_${r.str(HEX, 32)}`),
  'square-access-token': simple('SQUARE_ACCESS_TOKEN', (r) => `EAAA${r.str(B64URL, 60)}`),
  'square-oauth-secret': simple('SQUARE_APP_SECRET', (r) => `sq0csp-${r.str(B64URL, 43)}`),
  'datadog-api-key': simple('DD_API_KEY', (r) => r.str(HEX, 32)),
  'datadog-app-key': simple('DD_APP_KEY', (r) => r.str(HEX, 40)),
  'new-relic-user-api-key': simple('NEW_RELIC_API_KEY', (r) => `NRAK-${r.str(UPPER_NUM, 27)}`),
  'sentry-auth-token': simple('SENTRY_AUTH_TOKEN', (r) => `sntrys_${r.str(B64, 80)}`),
  'notion-integration-token': simple('NOTION_TOKEN', (r) => `ntn_${r.digits(11)}${r.str(B62, 35)}`),
  'linear-api-key': simple('LINEAR_API_KEY', (r) => `lin_api_${r.str(B62, 40)}`),
  'postman-api-key': simple('POSTMAN_API_KEY', (r) => `PMAK-${r.str(HEX, 24)}-${r.str(HEX, 34)}`),
  'doppler-token': simple('DOPPLER_TOKEN', (r) => `dp.pt.${r.str(B62, 43)}`),
  'npm-access-token': simple('NPM_TOKEN', (r) => withCrc(r, 'npm_')),
  'pypi-upload-token': simple('PYPI_TOKEN', (r) => `pypi-AgEIcHlwaS5vcmc${r.str(B64URL, 70)}`),
  'dockerhub-pat': simple('DOCKERHUB_TOKEN', (r) => `dckr_pat_${r.str(B64URL, 27)}`),
  'rubygems-api-key': simple('GEM_HOST_API_KEY', (r) => `rubygems_${r.str(HEX, 48)}`),
  'nuget-api-key': simple('NUGET_API_KEY', (r) => `oy2${r.str('abcdefghijklmnopqrstuvwxyz0123456789', 43)}`),
  'openai-api-key': simple(
    'OPENAI_API_KEY',
    (r) => `sk-proj-${r.str(B64URL, 64)}T3BlbkFJ${r.str(B64URL, 64)}`,
  ),
  'anthropic-api-key': simple('ANTHROPIC_API_KEY', (r) => `sk-ant-api03-${r.str(B64URL, 93)}AA`),
  'anthropic-admin-key': simple('ANTHROPIC_ADMIN_KEY', (r) => `sk-ant-admin01-${r.str(B64URL, 93)}AA`),
  'huggingface-token': simple('HF_TOKEN', (r) => `hf_${r.str(B62.slice(0, 52), 34)}`),
  'groq-api-key': simple('GROQ_API_KEY', (r) => `gsk_${r.str(B62, 52)}`),
  'replicate-api-token': simple('REPLICATE_API_TOKEN', (r) => `r8_${r.str(B62, 37)}`),
  'perplexity-api-key': simple('PPLX_API_KEY', (r) => `pplx-${r.str(B62, 48)}`),
  'xai-api-key': simple('XAI_API_KEY', (r) => `xai-${r.str(B62, 80)}`),
  'coffer-token': simple('COFFER_TOKEN', (r) => `cvs.${r.str(B62, 47)}`),
  'coffer-access-key-id': simple('AWS_ACCESS_KEY_ID', (r) => `CKIA${r.str(AWS_ID, 16)}`),
  'coffer-batch-token': simple('VAULT_TOKEN', (r) => `cvb.AAAAAQI${r.str(B64URL, 500)}`),
  'vault-service-token': simple('VAULT_TOKEN', (r) => `hvs.CAESI${r.str(B64URL, 86)}`),
  'vault-batch-token': simple('VAULT_TOKEN', (r) => `hvb.AAAAAQ${r.str(B64URL, 130)}`),
  'vault-recovery-token': simple('VAULT_RECOVERY_TOKEN', (r) => `hvr.${r.str(B62, 24)}`),
  'vault-legacy-token': simple(
    'VAULT_TOKEN',
    (r) =>
      `s.${r.str('ABCDEFGHIJKLMNOPQRSTUVWXYZ', 4)}${r.str('abcdefghijklmnopqrstuvwxyz', 4)}${r.str('0123456789', 4)}${r.str(B62, 12)}`,
  ),
  'private-key-rsa': (r) => {
    const key = pem('RSA PRIVATE KEY', derLike(r, 1190))
    return {
      secret: key,
      file: { path: r.pick(['id_rsa', 'deploy/key.pem', 'certs/server.key']), text: `${key}\n` },
    }
  },
  'private-key-ec': (r) => {
    const key = pem('EC PRIVATE KEY', derLike(r, 114))
    return { secret: key, file: { path: 'certs/ec.key', text: `${key}\n` } }
  },
  'private-key-dsa': (r) => {
    const key = pem('DSA PRIVATE KEY', derLike(r, 440))
    return { secret: key, file: { path: 'keys/dsa.pem', text: `${key}\n` } }
  },
  'private-key-pkcs8': (r) => {
    const key = pem('PRIVATE KEY', derLike(r, r.pick([44, 134, 1210])))
    return { secret: key, file: { path: 'keys/tls.key', text: `# server key\n${key}\n` } }
  },
  'private-key-encrypted': (r) => {
    const key = pem('ENCRYPTED PRIVATE KEY', derLike(r, 1290))
    return { secret: key, file: { path: 'keys/enc.pem', text: `${key}\n` } }
  },
  'private-key-openssh': (r) => {
    const body = Buffer.concat([Buffer.from('openssh-key-v1\0', 'latin1'), r.bytes(r.pick([386, 1800]))])
    const key = pem('OPENSSH PRIVATE KEY', body)
    return { secret: key, file: { path: '.ssh/id_ed25519', text: `${key}\n` } }
  },
  'private-key-pgp': (r) => {
    const body = Buffer.concat([Buffer.from([0x95, 0x03, 0xc6]), r.bytes(900)])
    const b64 = body.toString('base64').replace(/.{64}/g, '$&\n').trimEnd()
    const key = `-----BEGIN PGP PRIVATE KEY BLOCK-----\n\n${b64}\n=${r.str(B64, 4)}\n-----END PGP PRIVATE KEY BLOCK-----`
    return { secret: key, file: { path: 'keys/signing.asc', text: `${key}\n` } }
  },
  jwt: (r) => {
    const header = Buffer.from(
      JSON.stringify({ alg: r.pick(['HS256', 'RS256', 'ES256']), typ: 'JWT' }),
    ).toString('base64url')
    const payload = Buffer.from(
      JSON.stringify({
        sub: `user-${r.digits(6)}`,
        iat: 1_700_000_000 + r.int(1e7),
        role: r.pick(['admin', 'service']),
      }),
    ).toString('base64url')
    return { secret: `${header}.${payload}.${r.bytes(32).toString('base64url')}`, name: 'SERVICE_JWT' }
  },
  'database-url': (r) => {
    const password = strongPassword(r)
    const scheme = r.pick(['postgres', 'postgresql', 'mysql', 'mongodb+srv', 'redis', 'amqp'])
    return {
      secret: encodeURIComponent(password),
      name: 'DATABASE_URL',
      value: `${scheme}://app_${r.str('abcdefgh', 4)}:${encodeURIComponent(password)}@db${r.int(9)}.internal.example.net:5432/app`,
    }
  },
  'basic-auth-url': (r) => {
    const password = r.str(B62, 20)
    return {
      secret: password,
      name: 'REGISTRY_URL',
      value: `https://deploy:${password}@artifacts.${r.str('abcdefgh', 6)}.io/repository/npm/`,
    }
  },
  'kubernetes-secret': (r) => {
    const plain = strongPassword(r)
    const b64 = Buffer.from(plain).toString('base64')
    const text = `apiVersion: v1\nkind: Secret\nmetadata:\n  name: app-${r.str('abcdefgh', 5)}\ntype: Opaque\ndata:\n  db-password: ${b64}\n`
    return { secret: b64, file: { path: 'k8s/secret.yaml', text } }
  },
  'generic-password': (r) => ({
    secret: strongPassword(r),
    name: r.pick(['password', 'db_password', 'adminPassword', 'SMTP_PASS']),
  }),
  'generic-secret': (r) => ({
    secret: r.pick([r.str(B62, 32), r.str(HEX, 48), `${r.str(B62, 24)}-${r.str(B62, 12)}`]),
    name: r.pick(['client_secret', 'apiKey', 'SIGNING_KEY', 'auth_token', 'secret_key']),
  }),
  'dotenv-secret': (r) => ({
    secret: r.pick([r.str(B62, 28), strongPassword(r)]),
    name: r.pick(['APP_SECRET', 'SESSION_SECRET', 'DB_PASSWORD', 'API_TOKEN']),
    file: undefined,
  }),
}

/** A password as people make them: mixed case, digits, a symbol. */
export function strongPassword(r: Rng): string {
  const words = [
    'Maple',
    'river',
    'Quartz',
    'tiger',
    'Nimbus',
    'copper',
    'Falcon',
    'violet',
    'Orbit',
    'lumen',
  ]
  return r.pick([
    () => `${r.pick(words)}${r.pick(words)}${r.digits(3)}${r.pick(['!', '#', '%', '&', '*', '?'])}`,
    () => r.str(`${B62}!#%&*+-=?^_`, 12 + r.int(12)),
    () => `${r.str(B62, 6)}-${r.str(B62, 6)}-${r.str(B62, 6)}`,
  ])()
}

/** A sample of `ruleId` with name and value filled in. */
export function sample(ruleId: string, r: Rng): Sample {
  const gen = GENERATORS[ruleId]
  if (!gen) throw new Error(`no generator for rule ${ruleId}`)
  const made = gen(r)
  return {
    ruleId,
    secret: made.secret,
    value: made.value ?? made.secret,
    name: made.name ?? 'token',
    ...(made.file ? { file: made.file } : {}),
  }
}
