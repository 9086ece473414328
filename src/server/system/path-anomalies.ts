// sys/anomalies (LIST), sys/anomalies/:id (read), sys/anomalies/:id/ack and sys/anomalies/config (Coffer-only).

import type { AnomalyConfig } from '../../lib/anomaly-config.ts'
import { InvalidRequestError, NotFoundError } from '../../sdk/errors.ts'
import { definePath } from '../../sdk/framework/backend.ts'
import { f } from '../../sdk/framework/fields.ts'
import { listResponse } from '../../sdk/framework/list-response.ts'
import { anomalyView } from '../core/anomalies/anomaly.ts'
import type { AnomaliesProvider } from '../core/compliance/providers.ts'
import type { SystemServices } from '../core/services.ts'

/** The services this file uses. */
export type AnomalyPathServices = Pick<SystemServices, 'anomalies'>

/** Anomaly ids are time-ordered alphanumerics; anything else is no anomaly (and never reaches storage). */
const ID = /^[A-Za-z0-9]{1,64}$/
const MAX_NOTE = 4096

function configData(config: AnomalyConfig): Record<string, unknown> {
  return {
    enabled: config.enabled,
    learning_period: config.learning_period,
    path_depth: config.path_depth,
    time_zone: config.time_zone,
    thresholds: { ...config.thresholds },
  }
}

/** Changing the detector's configuration (which can turn it off) needs sudo, as changing audit devices does. */
export const ANOMALY_ROOT_PATHS = ['anomalies/config']

/** Every anomaly, newest first, as sys/anomalies/:id shows it: what the compliance report reads. */
export function anomaliesProvider(services: Pick<SystemServices, 'anomalies'>): AnomaliesProvider {
  return {
    list: async () =>
      services.anomalies
        .list()
        .map((id) => services.anomalies.get(id))
        .filter((anomaly) => anomaly !== undefined)
        .map(anomalyView),
  }
}

export function anomalyPaths(services: AnomalyPathServices) {
  const anomalies = () => services.anomalies
  const list = async ({ input }: { input: { acknowledged?: boolean | undefined } }) =>
    listResponse(anomalies().list(input.acknowledged))
  return [
    definePath({
      pattern: 'anomalies',
      fields: { acknowledged: f.bool({ description: 'Only anomalies acknowledged (true) or not (false).' }) },
      listKeys: 'names',
      help: 'Access anomalies the detector raised, newest first.',
      operations: { list },
    }),
    definePath({
      pattern: 'anomalies/',
      fields: { acknowledged: f.bool({ description: 'Only anomalies acknowledged (true) or not (false).' }) },
      listKeys: 'names',
      help: 'Access anomalies the detector raised, newest first.',
      operations: { list },
    }),
    definePath({
      pattern: 'anomalies/config',
      fields: {
        enabled: f.any({ description: 'Run the detector on the audit stream.' }),
        learning_period: f.any({ description: 'How long baselines are learned before any alert ("168h").' }),
        path_depth: f.any({ description: 'Path segments after the mount kept in a baseline.' }),
        time_zone: f.any({ description: 'IANA time zone usual hours and weekdays are counted in.' }),
        thresholds: f.any({ description: 'Threshold names to numbers (docs/anomalies.md).' }),
      },
      help: 'The anomaly detector settings.',
      operations: {
        read: async () => ({ data: configData(anomalies().config) }),
        update: async ({ input }) => {
          const raw: Record<string, unknown> = {}
          for (const [key, value] of Object.entries(input)) if (value !== undefined) raw[key] = value
          return { data: configData(await anomalies().configure(raw)) }
        },
      },
    }),
    definePath({
      pattern: 'anomalies/:id',
      fields: { id: f.string({ required: true, description: 'The anomaly id.' }) },
      help: 'One anomaly: its type, score, explanation, identity and acknowledgement.',
      operations: {
        read: async ({ input }) => {
          const anomaly = ID.test(input.id!) ? anomalies().get(input.id!) : undefined
          return anomaly === undefined ? undefined : { data: { ...anomalyView(anomaly) } }
        },
      },
    }),
    definePath({
      pattern: 'anomalies/:id/ack',
      fields: {
        id: f.string({ required: true, description: 'The anomaly id.' }),
        note: f.string({ description: 'Why it is acknowledged (kept with the anomaly).' }),
      },
      help: 'Acknowledge an anomaly, once, with an optional note.',
      operations: {
        update: async ({ input, request }) => {
          const note = input.note
          if (note !== undefined && note.length > MAX_NOTE)
            throw new InvalidRequestError(`note is too long (at most ${MAX_NOTE} characters)`)
          const by = request.caller?.displayName || request.caller?.entityId || 'unknown'
          const done = ID.test(input.id!) ? await anomalies().acknowledge(input.id!, by, note) : undefined
          if (done === undefined) throw new NotFoundError(`no anomaly with id "${input.id}"`)
          return { data: { ...anomalyView(done) } }
        },
      },
    }),
  ]
}
