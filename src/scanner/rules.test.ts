// Every rule against generated true examples in every file kind, and against its false look-alikes.
import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { ScanEngine } from './engine.ts'
import { BUILTIN_RULES } from './rules/index.ts'
import { expectedRule, fill, GENERATORS, Rng, sample, TEMPLATES } from './samples.ts'

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
