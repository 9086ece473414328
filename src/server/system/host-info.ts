// The host this node runs on, in the shape of Vault's sys/host-info (gopsutil's field names), from node:os and statfs.
import { statfs } from 'node:fs/promises'
import os from 'node:os'
import { rfc3339 } from '../../lib/time.ts'

/** Node's cpu times are milliseconds; gopsutil's are seconds. */
const seconds = (ms: number) => ms / 1000

const percent = (part: number, whole: number) => (whole === 0 ? 0 : (part / whole) * 100)

async function disk(path: string) {
  const stats = await statfs(path)
  const total = stats.blocks * stats.bsize
  const free = stats.bavail * stats.bsize
  // As df: used is what is not free at all; the percentage is against what users can use.
  const used = (stats.blocks - stats.bfree) * stats.bsize
  const inodesUsed = stats.files - stats.ffree
  return {
    path,
    // statfs gives the filesystem's magic number, not its name.
    fstype: '',
    total,
    free,
    used,
    usedPercent: percent(used, used + free),
    inodesTotal: stats.files,
    inodesUsed,
    inodesFree: stats.ffree,
    inodesUsedPercent: percent(inodesUsed, stats.files),
  }
}

/** Every section Vault's answer has; a section that cannot be read is left out and named in `errors`. */
export async function hostInfo(now: number): Promise<Record<string, unknown>> {
  const cpus = os.cpus()
  const total = os.totalmem()
  const free = os.freemem()
  const data: Record<string, unknown> = {
    timestamp: rfc3339(now),
    cpu: cpus.map((cpu, index) => ({
      cpu: index,
      modelName: cpu.model,
      mhz: cpu.speed,
      cores: 1,
    })),
    cpu_times: cpus.map((cpu, index) => ({
      cpu: `cpu${index}`,
      user: seconds(cpu.times.user),
      system: seconds(cpu.times.sys),
      idle: seconds(cpu.times.idle),
      nice: seconds(cpu.times.nice),
      irq: seconds(cpu.times.irq),
    })),
    host: {
      hostname: os.hostname(),
      uptime: Math.floor(os.uptime()),
      bootTime: Math.floor(now / 1000 - os.uptime()),
      os: os.platform(),
      platform: os.platform(),
      platformVersion: os.version(),
      kernelVersion: os.release(),
      kernelArch: os.machine(),
    },
    memory: {
      total,
      // Node reports the memory available to new programs (MemAvailable on Linux) as free.
      available: free,
      free,
      used: total - free,
      usedPercent: percent(total - free, total),
    },
  }
  try {
    data['disk'] = [await disk('/')]
  } catch (error) {
    data['errors'] = [`disk: ${(error as Error).message}`]
  }
  return data
}
