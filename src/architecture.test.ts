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
  // The Kubernetes injector only writes agent configs and pod patches: it never talks to the server itself.
  injector: ['lib'],
  // `coffer run`, `coffer agent` and `coffer k8s-injector` are thin commands over their libraries.
  cli: ['client', 'scanner', 'lib', 'agent', 'injector'],
  coffer: ['cli', 'server/main', 'server/operator'],
  architecture: [],
  'server/physical': ['sdk', 'lib'],
  'server/barrier': ['sdk', 'lib'],
  'server/policy': ['sdk', 'lib'],
  'server/config': ['sdk', 'lib'],
  'server/audit': ['sdk', 'lib'],
  // Event sinks: transports and their queues; they read their config blocks and match event type patterns.
  'server/events': ['sdk', 'lib', 'server/config', 'server/policy'],
  'server/core': ['sdk', 'lib', 'server/barrier', 'server/policy', 'server/audit'],
  'server/system': ['sdk', 'lib', 'server/core', 'server/policy'],
  'server/http': ['sdk', 'lib', 'server/core'],
  // The Prometheus registry: reads the core's plain counters (and the barrier's timings) when scraped.
  'server/metrics': ['sdk', 'lib', 'server/core'],
  // The registry will hand the Secrets Manager engine its built-in rotation functions by name.
  'server/registry': ['sdk', 'server/engines/*', 'server/auth/*', 'server/rotators'],
  // Built-in rotation functions: they reach Secrets Manager only through the sdk's SecretsManagerApi contract.
  'server/rotators': ['sdk', 'lib'],
  'server/start-server': COMPOSITION_ROOT,
  // Dev mode's AWS mounts and key pair, made through the pipeline at start-up.
  'server/dev-aws': COMPOSITION_ROOT,
  // Turns a storage config block into a physical backend; composition, like start-server.
  'server/open-storage': ['sdk', 'lib', 'server/config', 'server/physical'],
  'server/main': COMPOSITION_ROOT,
  // Runs rotation steps for engines (their RotationRunner capability): mints scoped credentials and calls back
  // through the pipeline, runs the config file's commands and webhooks, and names the built-in database rotators.
  'server/rotation': ['sdk', 'lib', 'server/core', 'server/config', 'server/rotators'],
  // Offline operator tools (storage migration): open backends from config blocks and copy raw entries.
  'server/operator': ['lib', 'sdk', 'server/config', 'server/open-storage', 'server/physical'],
}

/** Single files a layer may import without being allowed the rest of the file's layer (paths under src/). */
const ALLOWED_FILES: Record<string, string[]> = {
  // The barrier consumes physical storage's sealing capability, and nothing else of physical/ by name.
  'server/barrier': ['server/physical/sealing.ts'],
  // Core drives the storage's leader lock (HA), and takes and restores snapshots: these contracts, nothing else.
  'server/core': [
    'server/physical/ha.ts',
    'server/physical/physical.ts',
    'server/physical/snapshot-format.ts',
  ],
}

/**
 * Files only the layers listed may import, checked over every file, tests and test support included: a
 * physical-private capability stays between the barrier and physical storage (DESIGN.md, Storage).
 */
const PRIVATE_FILES: Record<string, string[]> = {
  'server/physical/sealing.ts': ['server/barrier', 'server/physical'],
  // Whole-store copies (snapshot, migrate) and closing: for the server's composition and operator tools only.
  'server/physical/physical.ts': [
    'server/physical',
    'server/open-storage',
    'server/start-server',
    'server/main',
    'server/core',
    'server/system',
    'server/operator',
    'cli',
  ],
}

/** `target` is the imported file's path under src/, for the per-file allowances. */
function allowed(from: string, to: string, target?: string): boolean {
  if (from === to) return true
  if (target !== undefined && ALLOWED_FILES[from]?.includes(target)) return true
  const rules =
    ALLOWED[from] ??
    (from.startsWith('server/engines/') || from.startsWith('server/auth/') ? ['sdk', 'lib'] : undefined)
  if (!rules) return false
  return rules.some((rule) => (rule.endsWith('*') ? to.startsWith(rule.slice(0, -1)) : rule === to))
}

/** Whether a file of layer `from` may import the file at `target` (path under src/) if that file is private. */
function mayImportPrivate(from: string, target: string): boolean {
  const importers = PRIVATE_FILES[target]
  return importers === undefined || importers.includes(from)
}

/** Every .ts file under `dir`, tests, test support and fixtures included. */
function allFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name)
    if (name === 'node_modules') return []
    if (statSync(path).isDirectory()) return allFiles(path)
    return name.endsWith('.ts') ? [path] : []
  })
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
      if (!allowed(from, to, relative(SRC, target)))
        violations.push(`${relative(SRC, file)} (${from}) imports ${relative(SRC, target)} (${to})`)
    }
  }
  assert.deepEqual(violations, [])
})

it('only the barrier and physical storage import a physical-private file, tests and benchmarks included', () => {
  const violations: string[] = []
  const repo = dirname(SRC)
  const files = ['src', 'test', 'bench'].flatMap((dir) => allFiles(join(repo, dir)))
  for (const file of files) {
    const from = file.startsWith(SRC + '/') ? layerOf(file) : relative(repo, file)
    for (const target of importEdges(file)) {
      if (!mayImportPrivate(from, relative(SRC, target)))
        violations.push(`${relative(repo, file)} imports ${relative(SRC, target)}`)
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
  // Engines and auth methods reach storage only through the sdk contract and the view core hands them.
  for (const from of ['server/engines/kv', 'server/auth/userpass']) {
    for (const target of [
      'server/physical/sqlite.ts',
      'server/physical/sealing.ts',
      'server/barrier/barrier.ts',
    ])
      assert.equal(allowed(from, layerOf(join(SRC, target)), target), false, `${from} -> ${target}`)
    assert.equal(mayImportPrivate(from, 'server/physical/sealing.ts'), false)
  }
  assert.equal(allowed('server/barrier', 'server/physical', 'server/physical/sealing.ts'), true)
  assert.equal(allowed('server/barrier', 'server/physical', 'server/physical/sqlite.ts'), false)
  assert.equal(mayImportPrivate('server/core', 'server/physical/sealing.ts'), false)
  assert.equal(mayImportPrivate('server/start-server', 'server/physical/sealing.ts'), false)
  assert.equal(mayImportPrivate('sdk', 'server/physical/sealing.ts'), false)
  assert.equal(mayImportPrivate('server/barrier', 'server/physical/sealing.ts'), true)
  assert.equal(layerOf(join(SRC, 'server/engines/kv/path-data.ts')), 'server/engines/kv')
  assert.equal(layerOf(join(SRC, 'server/registry.ts')), 'server/registry')
})

/** Package (non-relative) imports of a file: `node:…` built-ins and npm packages by name. */
function packageImports(file: string): string[] {
  const text = readFileSync(file, 'utf8')
  // Not a method call such as Buffer.from('…'): only the keywords `from` and `import`.
  return [...text.matchAll(/(?<![.\w])(?:from|import)\s*\(?\s*'([^.'][^']*)'/g)].map((m) => m[1]!)
}

it('physical storage reaches outside Node only through the pg driver', () => {
  const physical = sourceFiles(join(SRC, 'server', 'physical'))
  assert.ok(physical.some((file) => file.endsWith(join('physical', 'postgres', 'driver.ts'))))
  const violations = physical.flatMap((file) =>
    packageImports(file)
      .filter((spec) => !spec.startsWith('node:') && spec !== 'pg')
      .map((spec) => `${relative(SRC, file)} imports ${spec}`),
  )
  assert.deepEqual(violations, [])
  // The PostgreSQL backend is one of physical's files: its layer rules (sdk and lib only) apply to it.
  for (const target of ['server/physical/postgres.ts', 'server/physical/postgres/driver.ts']) {
    assert.equal(layerOf(join(SRC, target)), 'server/physical')
    assert.equal(allowed('server/engines/kv', 'server/physical', target), false)
  }
})
