/**
 * Reading QR codes from camera frames (CERT-3): the decoder the scanner component feeds, and what a camera
 * failure means for the officer. The decoder is zxing-wasm's reader (ZXing-C++ compiled to WebAssembly); its wasm
 * file is bundled with the app and never fetched from the network (docs/identity.md, "Scanning").
 */
import type { ReaderOptions, ZXingModuleOverrides } from 'zxing-wasm/reader'
import wasmUrl from 'zxing-wasm/reader/zxing_reader.wasm?url'

/** One frame's pixels, as `CanvasRenderingContext2D.getImageData` returns them (RGBA, row by row). */
export interface Frame {
  data: Uint8ClampedArray
  width: number
  height: number
}

/** Why the camera cannot scan: no camera at all, permission refused, or in use by another app. */
export type CameraProblem = 'none' | 'refused' | 'busy'

/** The widest frame the decoder is given: a 1280-pixel frame decodes in about 11 ms (docs/benchmarks.md). */
export const MAX_FRAME_WIDTH = 1280

const READER: ReaderOptions = {
  formats: ['QRCode'],
  maxNumberOfSymbols: 1,
  // A tablet held by hand: the QR may be small, tilted and unevenly lit.
  tryHarder: true,
  tryRotate: true,
  tryInvert: false,
}

type Reader = typeof import('zxing-wasm/reader')
let reader: Promise<Reader> | null = null

/**
 * Loads the decoder once, on first use: its code is a separate chunk, so the app starts without it. The app
 * passes nothing: the wasm comes from the app's own assets. Tests pass `{ wasmBinary }` read from node_modules,
 * since Node has no URL to load it from.
 */
export function prepareDecoder(overrides?: ZXingModuleOverrides): Promise<Reader> {
  reader ??= import('zxing-wasm/reader').then(async (zxing) => {
    await zxing.prepareZXingModule({
      overrides: overrides ?? {
        locateFile: (path: string, prefix: string) => (path.endsWith('.wasm') ? wasmUrl : prefix + path),
      },
      fireImmediately: true,
    })
    return zxing
  })
  return reader
}

/** The text of the QR code in `frame`, or null when it holds none that reads. */
export async function decodeFrame(frame: Frame): Promise<string | null> {
  const zxing = await prepareDecoder()
  const imageData = { data: frame.data, width: frame.width, height: frame.height, colorSpace: 'srgb' } as ImageData
  const [found] = await zxing.readBarcodes(imageData, READER)
  return found?.isValid && found.text !== '' ? found.text : null
}

/** The size to draw a `width`×`height` video frame at for decoding: at most `MAX_FRAME_WIDTH` wide, same shape. */
export function frameSize(width: number, height: number): { width: number; height: number } {
  if (width <= MAX_FRAME_WIDTH) return { width, height }
  return { width: MAX_FRAME_WIDTH, height: Math.round((height * MAX_FRAME_WIDTH) / width) }
}

/** `getUserMedia` constraints: the rear camera when there is one, video only. */
export const SCAN_CONSTRAINTS: MediaStreamConstraints = {
  audio: false,
  video: { facingMode: { ideal: 'environment' }, width: { ideal: 1280 }, height: { ideal: 720 } },
}

/**
 * What a failure to open the camera means, from the error's name (W3C Media Capture: NotAllowedError,
 * NotFoundError, NotReadableError…). A webview without `navigator.mediaDevices` has no camera for us: `none`.
 */
export function cameraProblem(error: unknown): CameraProblem {
  const name = typeof error === 'object' && error !== null && 'name' in error ? String(error.name) : ''
  switch (name) {
    case 'NotAllowedError':
    case 'SecurityError':
    case 'PermissionDeniedError':
      return 'refused'
    case 'NotReadableError':
    case 'AbortError':
    case 'TrackStartError':
      return 'busy'
    default:
      return 'none'
  }
}
