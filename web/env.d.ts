/// <reference types="vite/client" />

interface ImportMetaEnv {
  /** 'redirect' (default) or 'banner': what the legacy /settings/admin/npu-workers route does. */
  readonly VITE_LEGACY_NPU_ROUTE?: string
}
interface ImportMeta {
  readonly env: ImportMetaEnv
}
