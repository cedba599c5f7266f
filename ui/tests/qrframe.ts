/**
 * Camera frames made in the test, since there is no camera here: a QR code rendered with the `qrcode` encoder
 * onto a grey scene at any module size (fractional sizes resample it, as a camera does), under uneven light,
 * with sensor noise and a blur. Deterministic: the noise has a fixed seed.
 */
import QRCode from 'qrcode'
import type { Frame } from '../src/lib/qrscan'

export interface Shot {
  width: number
  height: number
  /** Pixels per QR module; 1.7 is about a version-26 code filling a third of a 1280-pixel frame. */
  module: number
  /** Amplitude of the sensor noise, in grey levels (0 to 255). */
  noise: number
  /** Box-blur radius in pixels (0: sharp). */
  blur: number
  errorCorrection: 'L' | 'M' | 'Q' | 'H'
}

export const TABLET_SHOT: Shot = { width: 1280, height: 720, module: 4, noise: 50, blur: 1, errorCorrection: 'L' }

function random(seed: number): () => number {
  let s = seed
  return () => {
    s = (s * 1103515245 + 12345) & 0x7fffffff
    return s / 0x7fffffff
  }
}

/** The QR version `text` encodes at `errorCorrection`. */
export function qrVersion(text: string, errorCorrection: Shot['errorCorrection']): number {
  return QRCode.create(text, { errorCorrectionLevel: errorCorrection }).version
}

/** A frame of the scene; `text` null draws the scene without a QR code. */
export function frame(text: string | null, shot: Shot): Frame {
  const { width, height, module } = shot
  const grey = new Float32Array(width * height)
  const qr = text === null ? null : QRCode.create(text, { errorCorrectionLevel: shot.errorCorrection })
  const n = qr?.modules.size ?? 0
  const side = (n + 8) * module // with the four-module quiet zone
  const left = (width - side) / 2
  const top = (height - side) / 2
  for (let y = 0; y < height; y += 1) {
    for (let x = 0; x < width; x += 1) {
      // A desk under a lamp: brighter top left, darker bottom right.
      const light = 0.75 + 0.25 * (1 - (x / width + y / height) / 2)
      let value = 150 + 40 * Math.sin(x / 37) * Math.cos(y / 53) // a textured background
      if (qr && x >= left && y >= top && x < left + side && y < top + side) {
        const mx = Math.floor((x - left) / module) - 4
        const my = Math.floor((y - top) / module) - 4
        value = mx >= 0 && my >= 0 && mx < n && my < n && qr.modules.get(my, mx) ? 25 : 235
      }
      grey[y * width + x] = value * light
    }
  }
  const blurred = boxBlur(grey, width, height, shot.blur)
  const noise = random(7)
  const data = new Uint8ClampedArray(width * height * 4)
  for (let i = 0; i < width * height; i += 1) {
    const v = (blurred[i] ?? 0) + (noise() - 0.5) * shot.noise
    data[i * 4] = v
    data[i * 4 + 1] = v
    data[i * 4 + 2] = v
    data[i * 4 + 3] = 255
  }
  return { data, width, height }
}

function boxBlur(src: Float32Array, width: number, height: number, radius: number): Float32Array {
  if (radius <= 0) return src
  const out = new Float32Array(src.length)
  for (let y = 0; y < height; y += 1) {
    for (let x = 0; x < width; x += 1) {
      let sum = 0
      let count = 0
      for (let dy = -radius; dy <= radius; dy += 1) {
        for (let dx = -radius; dx <= radius; dx += 1) {
          const xx = x + dx
          const yy = y + dy
          if (xx >= 0 && yy >= 0 && xx < width && yy < height) {
            sum += src[yy * width + xx] ?? 0
            count += 1
          }
        }
      }
      out[y * width + x] = sum / count
    }
  }
  return out
}
