// Decode time per camera frame (CERT-3), for docs/benchmarks.md: the decoder the scanner uses (zxing-wasm, through
// src/lib/qrscan.ts) against jsQR, the pure-JavaScript alternative, on the same rendered frames (tests/qrframe.ts:
// no camera here). Run: cd ui && npm run bench. FIELDTRAIL_BENCH_SMOKE=1 runs each case a few times only.
import { readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import jsQR from 'jsqr'
import { afterAll, bench, describe } from 'vitest'
import { decodeFrame, prepareDecoder, type Frame } from '../src/lib/qrscan'
import { TABLET_SHOT, frame } from '../tests/qrframe'

const require = createRequire(import.meta.url)
const wasm = readFileSync(require.resolve('zxing-wasm/reader/zxing_reader.wasm'))
await prepareDecoder({ wasmBinary: wasm.buffer.slice(wasm.byteOffset, wasm.byteOffset + wasm.byteLength) })

const smoke = process.env.FIELDTRAIL_BENCH_SMOKE === '1'
const options = smoke ? { iterations: 2, time: 0, warmupIterations: 0 } : { iterations: 5, time: 0 }
const presentation = readFileSync(new URL('../tests/fixtures/presentation.ftp1.txt', import.meta.url), 'utf8').trim()
const url = `https://verify.fieldtrail.example/verify#p=${'QUJDREVGR0hJSktMTU5PUFFSU1RVVldYWVo'.repeat(9)}`

const frames: [string, Frame, string | null][] = [
  ['presentation FTP1 (version 24-L), 1280x720', frame(presentation, TABLET_SHOT), presentation],
  ['verify URL (version 13-M), 640x480', frame(url, { ...TABLET_SHOT, width: 640, height: 480, module: 4.3, errorCorrection: 'M' }), url],
  ['no QR, 1280x720', frame(null, TABLET_SHOT), null],
]

/** Whether each decoder read each frame right (a decoder that misses a frame is fast for nothing). */
const read = new Map<string, boolean>()

for (const [name, f, expected] of frames) {
  describe(name, () => {
    bench('zxing-wasm', async () => {
      read.set(`${name} / zxing-wasm`, (await decodeFrame(f)) === expected)
    }, options)
    bench('jsQR', () => {
      const found = jsQR(f.data, f.width, f.height, { inversionAttempts: 'dontInvert' })
      read.set(`${name} / jsQR`, (found?.data ?? null) === expected)
    }, options)
  })
}

afterAll(() => {
  for (const [what, ok] of read) console.log(`${what}: ${ok ? 'read right' : 'MISSED'}`)
})
