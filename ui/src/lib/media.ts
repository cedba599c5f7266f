/** What the webview can capture, and the recording file names. */

export type CaptureKind = 'photo' | 'audio' | 'video'

/** Whether the webview offers camera and microphone access at all (`navigator.mediaDevices.getUserMedia`). */
export function canCapture(nav: { mediaDevices?: { getUserMedia?: unknown } } | undefined): boolean {
  return typeof nav?.mediaDevices?.getUserMedia === 'function'
}

/** The constraints for `getUserMedia` of a capture kind. */
export function constraints(kind: CaptureKind): { audio: boolean; video: boolean | { facingMode: string } } {
  switch (kind) {
    case 'photo':
      return { audio: false, video: { facingMode: 'environment' } }
    case 'audio':
      return { audio: true, video: false }
    case 'video':
      return { audio: true, video: { facingMode: 'environment' } }
  }
}

/** A file name for a capture made at `at`, with the extension for `mimeType`. */
export function captureName(kind: CaptureKind, mimeType: string, at: Date): string {
  const ext = mimeType.includes('jpeg')
    ? 'jpg'
    : mimeType.includes('webm')
      ? 'webm'
      : mimeType.includes('mp4')
        ? 'mp4'
        : mimeType.includes('ogg')
          ? 'ogg'
          : 'bin'
  const pad = (n: number) => String(n).padStart(2, '0')
  const stamp = `${at.getFullYear()}${pad(at.getMonth() + 1)}${pad(at.getDate())}-${pad(at.getHours())}${pad(at.getMinutes())}${pad(at.getSeconds())}`
  return `${kind}-${stamp}.${ext}`
}
