// A Prometheus summary (count and sum, no quantiles) read from a Timing when scraped: nothing is observed per request.
import type { Timing } from '../../lib/timing.ts'

/** The shape prom-client's Registry reads from a metric: a name, and values produced on demand. */
export interface CollectedMetric {
  name: string
  help: string
  type: 'summary'
  aggregator: 'sum'
  get(): Promise<{
    name: string
    help: string
    type: 'summary'
    aggregator: 'sum'
    values: { metricName: string; value: number; labels: Record<string, string> }[]
  }>
}

/** `timing()` is called at each scrape: the barrier's timings belong to an object that may be replaced. */
export function timingSummary(name: string, help: string, timing: () => Timing | undefined): CollectedMetric {
  return {
    name,
    help,
    type: 'summary',
    aggregator: 'sum',
    get: async () => {
      const t = timing()
      return {
        name,
        help,
        type: 'summary',
        aggregator: 'sum',
        values: [
          { metricName: `${name}_sum`, value: t?.sum ?? 0, labels: {} },
          { metricName: `${name}_count`, value: t?.count ?? 0, labels: {} },
        ],
      }
    },
  }
}
