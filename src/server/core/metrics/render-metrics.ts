// A metrics read's answer, for sys/metrics through the pipeline and the listener's unauthenticated route alike.
import { InvalidRequestError } from '../../../sdk/errors.ts'
import type { MetricsExposition } from '../services.ts'

/**
 * The answer to a metrics read, shared with the listener's unauthenticated route: raw, outside Vault's envelope,
 * as Vault answers it.
 */
export async function renderMetrics(
  exposition: MetricsExposition,
  format: string,
): Promise<{ status: number; contentType: string; body: string }> {
  if (format === 'prometheus') {
    const text = await exposition.prometheus()
    // As Vault: the Prometheus form is off when telemetry.prometheus_retention_time is 0.
    if (!text) throw new InvalidRequestError('prometheus is not enabled')
    return { status: 200, contentType: text.contentType, body: text.body }
  }
  if (format !== '' && format !== 'json')
    throw new InvalidRequestError(`unsupported metrics format "${format}" (supported: prometheus, json)`)
  return { status: 200, contentType: 'application/json', body: JSON.stringify(await exposition.json()) }
}
