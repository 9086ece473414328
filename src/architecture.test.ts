// Fails on any import edge the layout in DESIGN.md does not allow, so the layering stays true unattended.
import assert from 'node:assert/strict'
import { readdirSync, readFileSync, statSync } from 'node:fs'
import { dirname, join, relative, resolve } from 'node:path'
import { it } from 'node:test'
import { fileURLToPath } from 'node:url'

const SRC = dirname(fileURLToPath(import.meta.url))

/** The layer a source file belongs to: engines and auth methods are one layer each, per folder. */
export function layerOf(file: string): string {
  const rel = relative(SRC, file).split('/')
  if (rel[0] === 'server') {
    if (rel.length === 2) return `server/${rel[1]!.replace(/\.ts$/, '')}`
    if (rel[1] === 'engines' || rel[1] === 'auth') return `server/${rel[1]}/${rel[2]}`
    return `server/${rel[1]}`
  }
  return rel.length === 1 ? rel[0]!.replace(/\.ts$/, '') : rel[0]!
}

const COMPOSITION_ROOT = ['server/*', 'sdk', 'lib']

/** Which layers each layer may import (besides itself). A trailing * allows every layer under that prefix. */
const ALLOWED: Record<string, string[]> = {
  lib: [],
  sdk: ['lib'],
  client: ['lib', 'sdk'],
  scanner: ['lib'],
  agent: ['client', 'lib'],
  cli: ['client', 'scanner', 'lib'],
  coffer: ['cli', 'server/main'],
  architecture: [],
  'server/physical': ['sdk', 'lib'],
  'server/barrier': ['sdk', 'lib'],
  'server/policy': ['sdk', 'lib'],
  'server/config': ['sdk', 'lib'],
  'server/audit': ['sdk', 'lib'],
  'server/core': ['sdk', 'lib', 'server/barrier', 'server/policy', 'server/audit'],
  'server/system': ['sdk', 'lib', 'server/core', 'server/policy'],
  'server/http': ['sdk', 'lib', 'server/core'],
  'server/registry': ['sdk', 'server/engines/*', 'server/auth/*'],
  'server/start-server': COMPOSITION_ROOT,
  'server/main': COMPOSITION_ROOT,
}

function allowed(from: string, to: string): boolean {
  if (from === to) return true
  const rules =
    ALLOWED[from] ??
    (from.startsWith('server/engines/') || from.startsWith('server/auth/') ? ['sdk', 'lib'] : undefined)
  if (!rules) return false
  return rules.some((rule) => (rule.endsWith('*') ? to.startsWith(rule.slice(0, -1)) : rule === to))
}

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name)
    if (statSync(path).isDirectory()) return name === '__fixtures__' ? [] : sourceFiles(path)
    // Test support files may reach across layers (an engine's tests run on the in-memory physical store).
    return name.endsWith('.ts') && !name.endsWith('.test.ts') && name !== 'test-helpers.ts' ? [path] : []
  })
}

export function importEdges(file: string): string[] {
  const text = readFileSync(file, 'utf8')
  const specs = [...text.matchAll(/(?:from|import)\s*\(?\s*'(\.{1,2}\/[^']+)'/g)].map((m) => m[1]!)
  return specs.map((spec) => resolve(dirname(file), spec))
}

it('every import edge in src/ follows the layering in DESIGN.md', () => {
  const violations: string[] = []
  const files = sourceFiles(SRC)
  assert.ok(files.length > 50, 'the walk found the source tree')
  for (const file of files) {
    const from = layerOf(file)
    for (const target of importEdges(file)) {
      const to = layerOf(target)
      if (!allowed(from, to))
        violations.push(`${relative(SRC, file)} (${from}) imports ${relative(SRC, target)} (${to})`)
    }
  }
  assert.deepEqual(violations, [])
})

/** Every import cycle among `files`, each as the files around it (a depth-first search over the import graph). */
export function importCycles(graph: Map<string, string[]>): string[][] {
  const state = new Map<string, 'open' | 'done'>()
  const stack: string[] = []
  const cycles: string[][] = []
  const visit = (file: string): void => {
    state.set(file, 'open')
    stack.push(file)
    for (const target of graph.get(file) ?? []) {
      if (!graph.has(target)) continue
      const seen = state.get(target)
      if (seen === 'open') cycles.push([...stack.slice(stack.indexOf(target)), target])
      else if (seen === undefined) visit(target)
    }
    stack.pop()
    state.set(file, 'done')
  }
  for (const file of graph.keys()) if (!state.has(file)) visit(file)
  return cycles
}

it('no import cycle in src/ (type-only imports included)', () => {
  const files = sourceFiles(SRC)
  const graph = new Map(files.map((file) => [file, importEdges(file)]))
  const cycles = importCycles(graph).map((cycle) => cycle.map((file) => relative(SRC, file)).join(' -> '))
  assert.deepEqual(cycles, [])
})

it('the cycle check finds a cycle', () => {
  const graph = new Map([
    ['a', ['b']],
    ['b', ['c']],
    ['c', ['a', 'd']],
    ['d', []],
  ])
  assert.deepEqual(importCycles(graph), [['a', 'b', 'c', 'a']])
  assert.deepEqual(
    importCycles(
      new Map([
        ['a', ['b']],
        ['b', []],
      ]),
    ),
    [],
  )
})

it('the checker itself flags a forbidden edge', () => {
  assert.equal(allowed('server/engines/kv', 'server/core'), false)
  assert.equal(allowed('server/engines/kv', 'server/engines/transit'), false)
  assert.equal(allowed('cli', 'server/core'), false)
  assert.equal(allowed('lib', 'sdk'), false)
  assert.equal(allowed('server/engines/kv', 'sdk'), true)
  assert.equal(layerOf(join(SRC, 'server/engines/kv/path-data.ts')), 'server/engines/kv')
  assert.equal(layerOf(join(SRC, 'server/registry.ts')), 'server/registry')
})
