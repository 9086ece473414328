// Formats identified by structure: private keys, JWTs, URLs with passwords, Kubernetes Secret manifests.
import { isPlaceholder } from '../placeholders.ts'
import type { FileKind, RawMatch, Rule } from '../types.ts'
import { decodeBase64, validJwt, validPemKey } from '../validate.ts'

/** A PEM/armored private key block whose label is `label` (newlines real or JSON-escaped). */
function privateKey(id: string, description: string, label: string): Rule {
  return {
    id,
    description,
    keywords: [`begin ${label.toLowerCase()}`],
    // One character class only: an alternation inside the lazy loop backtracks exponentially with no END.
    pattern: new RegExp(`(-----BEGIN ${label}-----[\\s\\S]{64,16384}?-----END ${label}-----)`),
    validate: validPemKey,
    multiline: true,
    priority: 8,
  }
}

const DB_SCHEMES =
  'postgres|postgresql|mysql|mariadb|mongodb|mongodb\\+srv|redis|rediss|amqp|amqps|mssql|sqlserver|oracle|cockroachdb|clickhouse|jdbc:[a-z]+'

/** `data:` and `stringData:` values of a `kind: Secret` YAML document around the keyword line. */
function detectKubernetesSecret(
  text: string,
  lineStart: number,
  _lineEnd: number,
  _kind: FileKind,
): RawMatch[] {
  const docStart = Math.max(0, text.lastIndexOf('\n---', lineStart) + 1)
  const nextDoc = text.indexOf('\n---', lineStart)
  const docEnd = nextDoc === -1 ? text.length : nextDoc
  const doc = text.slice(docStart, docEnd)
  if (!/^kind:\s*Secret\s*$/m.test(doc)) return []
  const out: RawMatch[] = []
  let section: 'data' | 'stringData' | undefined
  let offset = docStart
  for (const line of doc.split('\n')) {
    const top = /^(\w+):\s*$/.exec(line)
    if (top) section = top[1] === 'data' ? 'data' : top[1] === 'stringData' ? 'stringData' : undefined
    else if (/^\S/.test(line)) section = undefined
    else if (section) {
      const entry = /^\s+([\w.-]+):\s*["']?([^"'\s#]+)["']?\s*$/.exec(line)
      if (entry) {
        const value = entry[2]!
        const plain = section === 'data' ? decodeBase64(value)?.toString('utf8') : value
        if (plain && plain.length >= 6 && /^[\x20-\x7e]+$/.test(plain) && !isPlaceholder(plain)) {
          const at = offset + line.lastIndexOf(value)
          out.push({ ruleId: 'kubernetes-secret', start: at, end: at + value.length, secret: value })
        }
      }
    }
    offset += line.length + 1
  }
  return out
}

function urlPasswordRule(id: string, description: string, schemes: string): Rule {
  return {
    id,
    description,
    keywords: ['://'],
    pattern: new RegExp(
      `(?<![\\w+.-])(?:${schemes}):\\/\\/[^\\s:/@"'<>]{1,64}:([^\\s@"'<>/]{3,128})@[\\w.-]+`,
      'i',
    ),
    validate: (password) => {
      const plain = decodeURIComponentSafe(password)
      // Lower-case words (foobared, somepassword) are the stand-ins documentation uses.
      return plain.length >= 6 && !/^[a-z]+$/.test(plain) && !isPlaceholder(plain)
    },
    priority: 5,
  }
}

function decodeURIComponentSafe(text: string): string {
  try {
    return decodeURIComponent(text)
  } catch {
    return text
  }
}

export const STRUCTURAL_RULES: readonly Rule[] = [
  privateKey('private-key-rsa', 'RSA private key (PKCS#1, encrypted or not)', 'RSA PRIVATE KEY'),
  privateKey('private-key-ec', 'EC private key (SEC1)', 'EC PRIVATE KEY'),
  privateKey('private-key-dsa', 'DSA private key', 'DSA PRIVATE KEY'),
  privateKey('private-key-pkcs8', 'Private key (PKCS#8: RSA, EC, Ed25519…)', 'PRIVATE KEY'),
  privateKey('private-key-encrypted', 'Encrypted private key (PKCS#8)', 'ENCRYPTED PRIVATE KEY'),
  privateKey('private-key-openssh', 'OpenSSH private key (Ed25519, RSA, ECDSA)', 'OPENSSH PRIVATE KEY'),
  privateKey('private-key-pgp', 'PGP private key block', 'PGP PRIVATE KEY BLOCK'),
  {
    id: 'jwt',
    description: 'JSON Web Token',
    keywords: ['eyj'],
    pattern: /(?<![\w-])(eyJ[A-Za-z0-9_-]{10,}\.eyJ[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{16,})(?![\w-])/,
    validate: validJwt,
    priority: 6,
  },
  urlPasswordRule('database-url', 'Database connection URL with a password', DB_SCHEMES),
  urlPasswordRule(
    'basic-auth-url',
    'URL with a user name and password',
    'https?|ftps?|sftp|smtps?|imaps?|ldaps?|git|ssh|svn|ws|wss|nats|kafka|http\\+unix',
  ),
  {
    id: 'kubernetes-secret',
    description: 'Value in a Kubernetes Secret manifest (data or stringData)',
    keywords: ['kind: secret'],
    detect: detectKubernetesSecret,
    priority: 4,
  },
]
