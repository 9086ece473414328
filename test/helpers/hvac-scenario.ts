// An hvac scenario against a fresh dev server (SQLite in a temp dir), skipped visibly when hvac is absent.
import type { TestContext } from 'node:test'
import { runScenario } from './python.ts'
import { HVAC, skipUnless } from './requirements.ts'
import { startDevServer } from './server.ts'

/** What the scenario printed, or undefined when the test was skipped (hvac missing outside CI). */
export async function hvacAgainstDevServer(
  t: TestContext,
  script: string,
): Promise<Awaited<ReturnType<typeof runScenario>> | undefined> {
  if (await skipUnless(t, HVAC)) return undefined
  const server = await startDevServer()
  try {
    return await runScenario(script, { VAULT_ADDR: server.address, VAULT_TOKEN: server.rootToken })
  } finally {
    await server.close()
  }
}
