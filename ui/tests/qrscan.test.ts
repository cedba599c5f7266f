// CERT-3: the scanner's decoder reads another officer's QR from camera frames. There is no camera here, so the
// frames are rendered in the test (tests/qrframe.ts: uneven light, noise, blur, resampling); the decoder is the
// real one the scanner component calls (src/lib/qrscan.ts, zxing-wasm), on its real wasm.
import { readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { beforeAll, describe, expect, it } from 'vitest'
import { cameraProblem, decodeFrame, frameSize, prepareDecoder } from '../src/lib/qrscan'
import { TABLET_SHOT, frame, qrVersion } from './qrframe'

const require = createRequire(import.meta.url)
/** A real presentation QR text, made by the terminal (tests/fixtures/README.md). */
const PRESENTATION = readFileSync(new URL('./fixtures/presentation.ftp1.txt', import.meta.url), 'utf8').trim()
/**
 * The verify-page URL form the presentation QR is moving to (issue 10, item 5): same shape and size budget
 * (QR version 15 or below at M), content made up here.
 */
const VERIFY_URL = `https://verify.fieldtrail.example/verify#p=${'QUJDREVGR0hJSktMTU5PUFFSU1RVVldYWVo'.repeat(9)}`

beforeAll(async () => {
  // Node has no app assets to fetch the wasm from: hand the decoder the package's own file.
  const wasm = readFileSync(require.resolve('zxing-wasm/reader/zxing_reader.wasm'))
  await prepareDecoder({ wasmBinary: wasm.buffer.slice(wasm.byteOffset, wasm.byteOffset + wasm.byteLength) })
})

describe('decoding camera frames (CERT-3)', () => {
  it('reads a real presentation QR (version 20+) from a noisy, blurred 1280×720 frame', async () => {
    expect(PRESENTATION.startsWith('FTP1:')).toBe(true)
    expect(qrVersion(PRESENTATION, 'L')).toBeGreaterThanOrEqual(20)
    expect(await decodeFrame(frame(PRESENTATION, TABLET_SHOT))).toBe(PRESENTATION)
  })

  it('reads it at a resampled module size, as a camera at another distance sees it', async () => {
    const shot = { ...TABLET_SHOT, module: 3.4, noise: 40 }
    expect(await decodeFrame(frame(PRESENTATION, shot))).toBe(PRESENTATION)
  })

  it('reads the verify-page URL form at error correction M from a small 640×480 frame', async () => {
    expect(qrVersion(VERIFY_URL, 'M')).toBeLessThanOrEqual(15)
    const shot = { ...TABLET_SHOT, width: 640, height: 480, module: 4.3, errorCorrection: 'M' as const }
    expect(await decodeFrame(frame(VERIFY_URL, shot))).toBe(VERIFY_URL)
  })

  it('finds nothing in a frame without a QR code', async () => {
    expect(await decodeFrame(frame(null, TABLET_SHOT))).toBeNull()
  })

  it('finds nothing in a QR too blurred to read, rather than a wrong text', async () => {
    const shot = { ...TABLET_SHOT, module: 2, blur: 3 }
    expect(await decodeFrame(frame(PRESENTATION, shot))).toBeNull()
  })

  it('finds nothing in an all-black frame (a covered lens)', async () => {
    const black = { data: new Uint8ClampedArray(640 * 480 * 4), width: 640, height: 480 }
    expect(await decodeFrame(black)).toBeNull()
  })
})

describe('frame size', () => {
  it('keeps small frames and scales wide ones to 1280 pixels, same shape', () => {
    expect(frameSize(640, 480)).toEqual({ width: 640, height: 480 })
    expect(frameSize(1920, 1080)).toEqual({ width: 1280, height: 720 })
    expect(frameSize(4000, 3000)).toEqual({ width: 1280, height: 960 })
  })
})

describe('camera problems, said to the officer', () => {
  // The camera is faked here: these are the errors getUserMedia rejects with (W3C Media Capture and Streams).
  const named = (name: string) => Object.assign(new Error(name), { name })
  it('a refused permission is "refused"', () => {
    expect(cameraProblem(named('NotAllowedError'))).toBe('refused')
    expect(cameraProblem(named('SecurityError'))).toBe('refused')
  })
  it('a camera held by another app is "busy"', () => {
    expect(cameraProblem(named('NotReadableError'))).toBe('busy')
  })
  it('no camera, or no media API at all, is "none"', () => {
    expect(cameraProblem(named('NotFoundError'))).toBe('none')
    expect(cameraProblem(named('OverconstrainedError'))).toBe('none')
    expect(cameraProblem(new TypeError("Cannot read properties of undefined (reading 'getUserMedia')"))).toBe('none')
    expect(cameraProblem(undefined)).toBe('none')
  })
})
