// sys/metrics: the server's metrics, as Vault's JSON or (format=prometheus) Prometheus text; needs read on the path.
import { definePath } from '../../sdk/framework/backend.ts'
import { f } from '../../sdk/framework/fields.ts'
import { renderMetrics } from '../core/metrics/render-metrics.ts'
import type { SystemServices } from '../core/services.ts'

/** The services this file uses. */
export type MetricsPathServices = Pick<SystemServices, 'metricsExposition'>

export function metricsPaths(services: MetricsPathServices) {
  const exposition = services.metricsExposition
  if (!exposition) return []
  return [
    definePath({
      pattern: 'metrics',
      fields: { format: f.string({ description: 'prometheus for Prometheus text; JSON otherwise.' }) },
      help: "The server's metrics: request and login timings, audit, token, lease, barrier and rotation counts.",
      operations: {
        read: async ({ input }) => ({ raw: await renderMetrics(exposition, input.format ?? '') }),
      },
    }),
  ]
}
