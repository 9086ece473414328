// Baselines: the fingerprints of findings already known, so only new leaks fail a build.
import { readFile, writeFile } from 'node:fs/promises'
import type { Finding } from './types.ts'

export interface BaselineFile {
  version: 1
  created: string
  /** One entry per accepted finding; the secret itself is never stored, only its fingerprint. */
  findings: { fingerprint: string; ruleId: string; path: string; line: number }[]
}

export class BaselineError extends Error {}

export async function readBaseline(path: string): Promise<Set<string>> {
  let text: string
  try {
    text = await readFile(path, 'utf8')
  } catch (error) {
    throw new BaselineError(
      `cannot read baseline ${path}: ${(error as NodeJS.ErrnoException).code ?? 'read failed'}`,
    )
  }
  let parsed: BaselineFile
  try {
    parsed = JSON.parse(text) as BaselineFile
  } catch {
    throw new BaselineError(`baseline ${path} is not valid JSON`)
  }
  if (parsed?.version !== 1 || !Array.isArray(parsed.findings))
    throw new BaselineError(`baseline ${path} is not a coffer scan baseline (version 1)`)
  return new Set(parsed.findings.map((f) => f.fingerprint))
}

export async function writeBaseline(
  path: string,
  findings: readonly Finding[],
  now = new Date(),
): Promise<void> {
  const file: BaselineFile = {
    version: 1,
    created: now.toISOString(),
    findings: findings.map((f) => ({
      fingerprint: f.fingerprint,
      ruleId: f.ruleId,
      path: f.path,
      line: f.line,
    })),
  }
  await writeFile(path, `${JSON.stringify(file, null, 2)}\n`)
}
