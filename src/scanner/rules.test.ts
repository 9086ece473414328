// Every rule against generated true examples in every file kind, and against its false look-alikes.
import assert from 'node:assert/strict'
import { generateKeyPairSync } from 'node:crypto'
import { describe, test } from 'node:test'
import { expectedRule, fill, TEMPLATES } from '../../test/helpers/scanner/corpus-templates.ts'
import { hardNegatives } from '../../test/helpers/scanner/negatives.ts'
import { Rng } from '../../test/helpers/scanner/rng.ts'
import { GENERATORS, sample } from '../../test/helpers/scanner/samples.ts'
import { ScanEngine } from './engine.ts'
import { BUILTIN_RULES } from './rules/index.ts'

const engine = new ScanEngine()
const ruleIds = [
  ...BUILTIN_RULES.map((r) => r.id).filter((id) => id !== 'generic'),
  'generic-password',
  'generic-secret',
  'dotenv-secret',
]

test('there are at least 60 credential rules, each with a generator', () => {
  assert.ok(ruleIds.length >= 60, `${ruleIds.length} rules`)
  for (const id of ruleIds) assert.ok(GENERATORS[id], `generator for ${id}`)
})

describe('true examples: each rule finds its own format in every kind of file', () => {
  for (const id of ruleIds) {
    test(id, () => {
      const r = new Rng(id.length * 7919 + id.charCodeAt(0))
      for (let i = 0; i < TEMPLATES.length; i++) {
        const s = sample(id, r)
        const t = TEMPLATES[i]!
        const path = s.file?.path ?? t.path
        const text = s.file?.text ?? `# settings\n${fill(t.line, s.name, s.value)}\n`
        const want = expectedRule(id, path, s.name)
        const found = engine.scanText(text, path)
        assert.ok(
          found.some((f) => f.ruleId === want && f.secret === s.secret),
          `${id} in ${path}: expected ${want}, got ${JSON.stringify(found.map((f) => [f.ruleId, f.masked]))}\n${text.slice(0, 300)}`,
        )
        if (s.file) break
      }
    })
  }
})

describe('hard negatives: placeholders, examples, public keys, hashes, fixtures are not findings', () => {
  const r = new Rng(42)
  for (const negative of hardNegatives(r)) {
    test(negative.note, () => {
      const found = engine.scanText(negative.text, negative.path)
      assert.deepEqual(
        found.map((f) => `${f.ruleId} ${f.masked}`),
        [],
      )
    })
  }
})

test('a real generated RSA, EC and Ed25519 key (plain and encrypted) is found', () => {
  const keys = [
    generateKeyPairSync('rsa', { modulusLength: 1024 }).privateKey.export({ type: 'pkcs1', format: 'pem' }),
    generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ type: 'sec1', format: 'pem' }),
    generateKeyPairSync('ed25519').privateKey.export({ type: 'pkcs8', format: 'pem' }),
    generateKeyPairSync('ed25519').privateKey.export({
      type: 'pkcs8',
      format: 'pem',
      cipher: 'aes-256-cbc',
      passphrase: 'correct horse',
    }),
    generateKeyPairSync('rsa', { modulusLength: 1024 }).privateKey.export({
      type: 'pkcs1',
      format: 'pem',
      cipher: 'aes-128-cbc',
      passphrase: 'correct horse',
    }),
  ] as string[]
  const ids = keys.map((k) => engine.scanText(`key = """\n${k}"""\n`, 'keys.py').map((f) => f.ruleId))
  assert.deepEqual(ids, [
    ['private-key-rsa'],
    ['private-key-ec'],
    ['private-key-pkcs8'],
    ['private-key-encrypted'],
    ['private-key-rsa'],
  ])
})

test('inline coffer:allow silences only its own line', () => {
  const s = sample('github-pat', new Rng(7))
  const text = `a = '${s.secret}' // coffer:allow\nb = '${s.secret}'\n`
  assert.deepEqual(
    engine.scanText(text, 'x.ts').map((f) => f.line),
    [2],
  )
})

test('overlapping matches keep the most specific rule', () => {
  const s = sample('github-pat', new Rng(9))
  const found = engine.scanText(`GITHUB_TOKEN=${s.secret}\n`, '.env')
  assert.deepEqual(
    found.map((f) => f.ruleId),
    ['github-pat'],
  )
})

test('a pluggable matcher sees candidate values and reports its own rule', () => {
  const seen: string[] = []
  const withMatcher = new ScanEngine({
    matchers: [
      {
        id: 'known',
        match: (v) => {
          seen.push(v)
          return v === 'plain-but-known' ? { ruleId: 'known-secret', description: 'known value' } : undefined
        },
      },
    ],
  })
  const found = withMatcher.scanText('password = "plain-but-known"\n', 'x.py')
  assert.ok(seen.includes('plain-but-known'))
  assert.deepEqual(
    found.map((f) => f.ruleId),
    ['known-secret'],
  )
})
