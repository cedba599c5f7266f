// Issue 10, item 6: the enrolment screen's scanner reads the administrator's enrolment-code QR (`FTE1:`) and a
// tablet's registration QR (`FTR1:`) from camera frames. There is no camera here: the frames are rendered in the
// test (tests/qrframe.ts: uneven light, noise, blur), and the decoder is the real one QrScanner.vue calls
// (src/lib/qrscan.ts, zxing-wasm, on its real wasm). The texts have the form core writes (setup_qr.rs).
import { readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { beforeAll, describe, expect, it } from 'vitest'
import { decodeFrame, prepareDecoder } from '../src/lib/qrscan'
import { TABLET_SHOT, frame } from './qrframe'

const require = createRequire(import.meta.url)
/** As `fieldtrail-server admin issue` prints it under the code, at error correction M. */
const ENROLMENT_CODE = 'FTE1:K7M2Q-X9PRT'
/** As `fieldtrail-terminal device` prints it and Registration.vue shows it. */
const REGISTRATION = `FTR1:3f2a9c1e-5b7d-4e0f-9a8b-1c2d3e4f5a6b:${'5d'.repeat(32)}`

beforeAll(async () => {
  const wasm = readFileSync(require.resolve('zxing-wasm/reader/zxing_reader.wasm'))
  await prepareDecoder({ wasmBinary: wasm.buffer.slice(wasm.byteOffset, wasm.byteOffset + wasm.byteLength) })
})

describe('scanning the setup QR codes (CERT-7)', () => {
  it("reads the administrator's enrolment-code QR from a noisy, blurred tablet frame", async () => {
    const shot = { ...TABLET_SHOT, module: 8, errorCorrection: 'M' as const }
    expect(await decodeFrame(frame(ENROLMENT_CODE, shot))).toBe(ENROLMENT_CODE)
  })

  it('reads it small in a 640×480 frame, as from an arm’s length', async () => {
    const shot = { ...TABLET_SHOT, width: 640, height: 480, module: 3, errorCorrection: 'M' as const }
    expect(await decodeFrame(frame(ENROLMENT_CODE, shot))).toBe(ENROLMENT_CODE)
  })

  it("reads a tablet's registration QR, as the administrator's console will", async () => {
    const shot = { ...TABLET_SHOT, module: 5, errorCorrection: 'L' as const }
    expect(await decodeFrame(frame(REGISTRATION, shot))).toBe(REGISTRATION)
  })

  it('reads nothing from a frame too blurred, rather than a wrong code', async () => {
    const shot = { ...TABLET_SHOT, width: 640, height: 480, module: 1.2, blur: 3, errorCorrection: 'M' as const }
    expect(await decodeFrame(frame(ENROLMENT_CODE, shot))).toBeNull()
  })
})
