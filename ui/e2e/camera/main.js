// Mounts the app's QrScanner alone, with the app's i18n, and shows what it emits (camera.chromium.mjs reads it).
import { createApp, h, ref } from 'vue'
import 'vant/lib/index.css'
import { i18n } from '../../src/i18n'
import QrScanner from '../../src/components/QrScanner.vue'

const scanned = ref('')
createApp({
  render: () => [
    h(QrScanner, { onScanned: (text) => (scanned.value = text) }),
    h('output', { 'data-testid': 'scanned' }, scanned.value),
  ],
})
  .use(i18n)
  .mount('#app')
