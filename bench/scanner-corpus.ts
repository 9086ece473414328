// `node bench/scanner-corpus.ts [--json]`: precision, recall and F1 per credential type on a generated,
// labelled corpus (deterministic seed; synthetic values only) with hard negatives mixed in.
import { ScanEngine } from '../src/scanner/engine.ts'
import { BUILTIN_RULES } from '../src/scanner/rules/index.ts'
import { expectedRule, fill, TEMPLATES } from '../test/helpers/scanner/corpus-templates.ts'
import { hardNegatives } from '../test/helpers/scanner/negatives.ts'
import { Rng } from '../test/helpers/scanner/rng.ts'
import { sample } from '../test/helpers/scanner/samples.ts'

const PER_TYPE = Number(process.env['CORPUS_PER_TYPE'] ?? 20)
const NEGATIVE_ROUNDS = Number(process.env['CORPUS_NEGATIVE_ROUNDS'] ?? 25)

/** Ordinary lines a repository is made of, some with secret-looking names holding non-secrets. */
const FILLER = [
  'import { readFile } from "node:fs/promises"',
  'const timeout = 30_000',
  'export function handler(req, res) {',
  '  return res.status(200).json({ ok: true })',
  '}',
  'const tokenType = "Bearer"',
  'const passwordField = form.elements.password',
  'log.info("token refreshed", { user: id })',
  'if (!secret) throw new Error("missing secret")',
  'const apiKeyHeader = "X-Api-Key"',
  '# configuration for the worker',
  'retries: 3',
  'host: db.internal',
  'port: 5432',
  'const hash = createHash("sha256").update(body).digest("hex")',
  'MAX_TOKENS=4096',
  'password_min_length: 12',
  'const session = await store.get(sessionId)',
]

interface Labelled {
  path: string
  text: string
  expected: { ruleId: string; secret: string }[]
}

function corpus(): Labelled[] {
  const r = new Rng(20261122)
  const out: Labelled[] = []
  const ids = [
    ...BUILTIN_RULES.map((x) => x.id).filter((id) => id !== 'generic'),
    'generic-password',
    'generic-secret',
    'dotenv-secret',
  ]
  for (const id of ids) {
    for (let i = 0; i < PER_TYPE; i++) {
      const s = sample(id, r)
      const template = TEMPLATES[(i + r.int(3)) % TEMPLATES.length]!
      const path = s.file?.path ?? template.path
      const before = Array.from({ length: r.int(6) }, () => r.pick(FILLER))
      const after = Array.from({ length: r.int(6) }, () => r.pick(FILLER))
      const body = s.file ? s.file.text : `${fill(template.line, s.name, s.value)}\n`
      const text = s.file ? body : `${before.join('\n')}\n${body}${after.join('\n')}\n`
      out.push({
        path: `repo${i}/${path}`,
        text,
        expected: [{ ruleId: expectedRule(id, path, s.name), secret: s.secret }],
      })
    }
  }
  for (let round = 0; round < NEGATIVE_ROUNDS; round++) {
    for (const n of hardNegatives(r)) out.push({ path: `neg${round}/${n.path}`, text: n.text, expected: [] })
    const filler = Array.from({ length: 40 }, () => r.pick(FILLER)).join('\n')
    out.push({ path: `neg${round}/src/plain.ts`, text: filler, expected: [] })
  }
  return out
}

const engine = new ScanEngine()
const stats = new Map<string, { tp: number; fp: number; fn: number }>()
const stat = (id: string) => {
  let s = stats.get(id)
  if (!s) {
    s = { tp: 0, fp: 0, fn: 0 }
    stats.set(id, s)
  }
  return s
}
const misses: string[] = []
const docs = corpus()
for (const doc of docs) {
  const found = engine.scanText(doc.text, doc.path)
  const matched = new Set<number>()
  for (const e of doc.expected) {
    const hit = found.findIndex((f, i) => !matched.has(i) && f.ruleId === e.ruleId && f.secret === e.secret)
    if (hit === -1) {
      stat(e.ruleId).fn++
      misses.push(`FN ${e.ruleId} ${doc.path}`)
    } else {
      matched.add(hit)
      stat(e.ruleId).tp++
    }
  }
  found.forEach((f, i) => {
    if (matched.has(i)) return
    stat(f.ruleId).fp++
    misses.push(`FP ${f.ruleId} ${doc.path} ${f.masked}`)
  })
}

const f1 = (p: number, r: number) => (p + r === 0 ? 0 : (2 * p * r) / (p + r))
const rows = [...stats.entries()].sort(([a], [b]) => a.localeCompare(b))
let TP = 0
let FP = 0
let FN = 0
const json = process.argv.includes('--json')
const table: string[] = [
  '| type | TP | FP | FN | precision | recall | F1 |',
  '| --- | --- | --- | --- | --- | --- | --- |',
]
for (const [id, s] of rows) {
  TP += s.tp
  FP += s.fp
  FN += s.fn
  const p = s.tp + s.fp === 0 ? 1 : s.tp / (s.tp + s.fp)
  const rc = s.tp + s.fn === 0 ? 1 : s.tp / (s.tp + s.fn)
  if (json) console.log(JSON.stringify({ type: id, ...s, precision: p, recall: rc, f1: f1(p, rc) }))
  else
    table.push(
      `| ${id} | ${s.tp} | ${s.fp} | ${s.fn} | ${p.toFixed(3)} | ${rc.toFixed(3)} | ${f1(p, rc).toFixed(3)} |`,
    )
}
const P = TP / (TP + FP)
const R = TP / (TP + FN)
const negatives = docs.filter((d) => d.expected.length === 0).length
if (!json) {
  console.log(table.join('\n'))
  console.log(
    `\n${docs.length} files (${docs.length - negatives} with a secret, ${negatives} hard negatives): ` +
      `precision ${P.toFixed(3)}, recall ${R.toFixed(3)}, F1 ${f1(P, R).toFixed(3)} (targets: precision >= 0.95, recall >= 0.90)`,
  )
  for (const m of misses.slice(0, 30)) console.log(m)
} else
  console.log(
    JSON.stringify({ type: 'overall', tp: TP, fp: FP, fn: FN, precision: P, recall: R, f1: f1(P, R) }),
  )
