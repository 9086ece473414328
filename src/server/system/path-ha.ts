// sys/step-down and sys/ha-status: high availability seen from an authenticated request (served by the active node).
import { rfc3339 } from '../../lib/time.ts'
import { definePath } from '../../sdk/framework/backend.ts'
import type { SystemServices } from '../core/services.ts'

/** The services this file uses. */
export type HaPathServices = Pick<SystemServices, 'ha' | 'logger'>

/** Both need sudo, as in Vault: they act on or reveal the cluster itself. */
export const HA_ROOT_PATHS = ['step-down', 'ha-status']

export function haPaths(services: HaPathServices) {
  return [
    definePath({
      pattern: 'step-down',
      operations: {
        update: async () => {
          // Without HA there is nothing to step down from; Vault answers that with success too.
          if (!services.ha) return undefined
          services.logger.log('info', 'stepping down by API request')
          // After this answer: stepping down stops the services (audit among them) that are still answering it.
          setImmediate(() => void services.ha?.stepDown())
          return undefined
        },
      },
    }),
    definePath({
      pattern: 'ha-status',
      operations: {
        read: async () => {
          const ha = services.ha
          if (!ha) return { data: { nodes: [] } }
          const [nodes, leader] = await Promise.all([ha.nodes(), ha.leader()])
          return {
            data: {
              nodes: nodes.map((node) => ({
                hostname: node.hostname,
                api_address: node.apiAddr,
                cluster_address: node.clusterAddr,
                active_node: node.nodeId === leader?.nodeId,
                last_echo: node.nodeId === leader?.nodeId ? null : rfc3339(node.lastEcho),
                version: node.version,
                upgrade_version: node.version,
                redundancy_zone: '',
              })),
            },
          }
        },
      },
    }),
  ]
}
