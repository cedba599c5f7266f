import { defineConfig } from 'vitest/config'
import vue from '@vitejs/plugin-vue'

// The Tauri app loads `dist/` (src-tauri/tauri.conf.json `frontendDist`); `npm run dev` serves on 5173.
export default defineConfig({
  plugins: [vue()],
  // vue-i18n feature flags: Composition API only, no devtools in production.
  define: {
    __VUE_I18N_FULL_INSTALL__: true,
    __VUE_I18N_LEGACY_API__: false,
    __INTLIFY_PROD_DEVTOOLS__: false,
  },
  clearScreen: false,
  server: { port: 5173, strictPort: true },
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    // WebKitGTK 2.40+ and WebView2 both run ES2021.
    target: 'es2021',
    chunkSizeWarningLimit: 800,
  },
  test: {
    include: ['tests/**/*.test.ts'],
    benchmark: { include: ['bench/**/*.bench.ts'] },
    environment: 'node',
  },
})
