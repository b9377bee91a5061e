// Display names of accelerator device types, as shown on badges.
import type { DeviceType } from '@/types'

export const DEVICE_LABELS: Record<DeviceType, string> = {
  'intel-npu': 'Intel NPU',
  'nvidia-gpu': 'NVIDIA GPU',
  'amd-gpu': 'AMD GPU',
  'amd-npu': 'AMD NPU',
  'intel-gpu': 'Intel GPU',
  cpu: 'CPU',
}

export function deviceLabel(type: string | undefined | null): string {
  if (!type) return 'Unknown device'
  return DEVICE_LABELS[type as DeviceType] ?? type
}
