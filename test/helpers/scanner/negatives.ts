// Seeded hard negatives: text that looks like a leak but is not (placeholders, examples, hashes, public keys…).
import { generateKeyPairSync } from 'node:crypto'
import { base62Crc32 } from '../../../src/scanner/validate.ts'
import { B62, B64, B64URL, HEX, type Rng, uuid } from './rng.ts'

export interface Negative {
  note: string
  path: string
  text: string
}

/** `${NAME}` written without a template literal's look-alike in the source. */
const ref = (name: string) => `$${'{'}${name}}`

let publicPem: string | undefined
/** One real public key, made once: public keys and certificates must never be reported. */
function publicKey(): string {
  publicPem ??= generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey.export({
    type: 'spki',
    format: 'pem',
  }) as string
  return publicPem
}

function badChecksum(r: Rng, prefix: string): string {
  const body = r.str(B62, 30)
  const good = base62Crc32(body)
  let bad = r.str(B62, 6)
  while (bad === good) bad = r.str(B62, 6)
  return prefix + body + bad
}

/** Every kind of hard negative once, with fresh random parts from `r`. */
export function hardNegatives(r: Rng): Negative[] {
  const hex64 = r.str(HEX, 64)
  const n = (note: string, path: string, text: string): Negative => ({ note, path, text })
  return [
    n('placeholder changeme', 'config/app.yaml', 'database:\n  password: changeme\n'),
    n('placeholder angle brackets', '.env', 'API_KEY=<your-api-key>\nDB_PASSWORD=<password>\n'),
    n(
      'env reference',
      'src/config.ts',
      "const apiKey = process.env.API_KEY\nconst secret = process.env['SECRET'] ?? ''\n",
    ),
    n(
      'template reference',
      'config/app.yml',
      `token: ${ref('GITHUB_TOKEN')}\npassword: "{{ .Values.password }}"\n`,
    ),
    n(
      'actions secret',
      '.github/workflows/ci.yml',
      `        env:\n          NPM_TOKEN: $${'{{'} secrets.NPM_TOKEN }}\n`,
    ),
    n(
      'python getenv',
      'settings.py',
      'SECRET_KEY = os.environ["SECRET_KEY"]\nDB_PASSWORD = os.getenv("DB_PASSWORD")\n',
    ),
    n('your key placeholder', 'src/client.js', "const client = new Client({ apiKey: 'YOUR_API_KEY' })\n"),
    n(
      'repeated characters',
      '.env',
      `API_TOKEN=${'x'.repeat(32)}\nSECRET=${'*'.repeat(16)}\nPASSWORD=aaaaaaaaaaaa\n`,
    ),
    n(
      'sequential',
      'config.json',
      '{\n  "api_key": "1234567890abcdef",\n  "secret": "abcdefghijklmnop"\n}\n',
    ),
    n(
      'documented AWS example',
      'docs/aws.md',
      'aws_access_key_id = AKIAIOSFODNN7EXAMPLE\naws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY\n',
    ),
    n('public key', 'keys/public.pem', publicKey()),
    n(
      'certificate',
      'certs/ca.crt',
      `-----BEGIN CERTIFICATE-----\n${r.bytes(600).toString('base64').replace(/.{64}/g, '$&\n')}\n-----END CERTIFICATE-----\n`,
    ),
    n(
      'ssh public key',
      '.ssh/authorized_keys',
      `ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAI${r.str(B64, 43)} deploy@ci\n`,
    ),
    n('sha256 hash', 'checksums.yaml', `sha256: ${hex64}\ntoken_hash: "${r.str(HEX, 64)}"\n`),
    n('git commit id', 'CHANGELOG.md', `Fixed in commit ${r.str(HEX, 40)}.\n`),
    n('bcrypt hash', 'seed.sql', `INSERT INTO users VALUES ('admin', '$2b$12$${r.str(`${B62}./`, 53)}');\n`),
    n(
      'lockfile integrity',
      'package-lock.json',
      `    "node_modules/left-pad": {\n      "version": "1.3.0",\n      "integrity": "sha512-${r.str(B64, 86)}=="\n    },\n`,
    ),
    n('uuid ids', 'src/ids.ts', `const requestId = '${uuid(r)}'\nconst tokenId = '${uuid(r)}'\n`),
    n('uuid as a value of a secret-ish id', 'config/app.yaml', `client_id: ${uuid(r)}\n`),
    n(
      'fake-marked fixture',
      'src/auth.test.ts',
      `const fakeToken = 'ghp_${r.str(B62, 36)}' // fake, for tests\n`,
    ),
    n(
      'dummy-marked stripe key',
      'test/payments.test.py',
      `DUMMY_KEY = "sk_live_${r.str(B62, 24)}"  # dummy\n`,
    ),
    n('bad GitHub checksum', 'src/gh.ts', `const token = '${badChecksum(r, 'ghp_')}'\n`),
    n('bad npm checksum', '.npmrc', `//registry.npmjs.org/:_authToken=${badChecksum(r, 'npm_')}\n`),
    n(
      'identifier values',
      'config/app.yml',
      'password: passwordField\ntoken_type: bearer\nsecret: my_app_secret_name\n',
    ),
    n(
      'code references',
      'src/db.ts',
      'const password = config.database.password\nconst token = await getToken(user)\n',
    ),
    n(
      'secret names',
      'k8s/deploy.yaml',
      '        - name: DB_PASSWORD\n          valueFrom:\n            secretKeyRef:\n              name: db-credentials\n              key: password\n',
    ),
    n('prose', 'README.md', 'Set the password: it must be at least twelve characters long.\n'),
    n(
      'url without password',
      'config/app.yml',
      'database_url: postgres://app@db.internal:5432/app\nredis: redis://localhost:6379/0\n',
    ),
    n(
      'url placeholder password',
      'docs/setup.md',
      'DATABASE_URL=postgres://user:password@localhost:5432/app\nmongodb://admin:' +
        ref('MONGO_PASSWORD') +
        '@mongo:27017\n',
    ),
    n(
      'jwt alg none',
      'src/jwt.ts',
      `const t = '${Buffer.from('{"alg":"none"}').toString('base64url')}.${Buffer.from('{"sub":"1"}').toString('base64url')}.'\n`,
    ),
    n(
      'truncated private key',
      'docs/keys.md',
      '```\n-----BEGIN RSA PRIVATE KEY-----\n...\n-----END RSA PRIVATE KEY-----\n```\n',
    ),
    n(
      'kubernetes secret with placeholders',
      'k8s/secret.yaml',
      'apiVersion: v1\nkind: Secret\nmetadata:\n  name: app\nstringData:\n  password: changeme\n  token: ' +
        ref('TOKEN') +
        '\n',
    ),
    n('base64 image', 'assets.json', `{ "logo": "data:image/png;base64,${r.str(B64, 200)}" }\n`),
    n('random id without secret name', 'src/ids.go', `\tcorrelation := "${r.str(B62, 32)}"\n`),
    n(
      'tokenizer and passport',
      'src/nlp.py',
      'tokenizer = "bert-base-uncased"\npassport_number = "X1234567"\n',
    ),
    n(
      'password policy',
      'config/auth.yaml',
      'password_min_length: 12\npassword_regex: "^(?=.*[A-Z])"\ntoken_ttl: 3600\n',
    ),
    n('hex with secret-looking name but too short', '.env', `SECRET=${r.str(HEX, 6)}\n`),
    n('coffer token placeholder', 'docs/cli.md', "export VAULT_TOKEN='cvs.…'\n"),
    n('masked value', 'logs/app.log', `token=ghp_************ password=******** key=${r.str(B64URL, 4)}…\n`),
    n('inline allow', 'src/fixtures.ts', `const sample = 'sk_live_${r.str(B62, 30)}' // coffer:allow\n`),
  ]
}
