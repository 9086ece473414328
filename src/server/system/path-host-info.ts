// sys/host-info: the CPU, memory, disk and host this node runs on (sudo, as in Vault).
import { definePath } from '../../sdk/framework/backend.ts'
import type { SystemServices } from '../core/services.ts'
import { hostInfo } from './host-info.ts'

/** The services this file uses. */
export type HostInfoServices = Pick<SystemServices, 'clock'>

export const HOST_INFO_ROOT_PATHS = ['host-info']

export function hostInfoPaths(services: HostInfoServices) {
  return [
    definePath({
      pattern: 'host-info',
      help: "The host's CPUs, memory, root filesystem and operating system.",
      operations: { read: async () => ({ data: await hostInfo(services.clock.now()) }) },
    }),
  ]
}
