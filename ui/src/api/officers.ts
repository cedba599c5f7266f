/** Officers: typed wrappers over `src-tauri/src/commands/officers.rs`. Every call rejects with an `ErrorBody`. */
import { invoke } from '@tauri-apps/api/core'
import type { CertificateCard } from './types/CertificateCard'
import type { Officer } from './types/Officer'
import type { PresentationView } from './types/PresentationView'
import type { VerificationView } from './types/VerificationView'

export type { CertificateCard, Officer, PresentationView, VerificationView }

/** The officers enrolled on this tablet. */
export function listOfficers(): Promise<Officer[]> {
  return invoke<Officer[]>('list_officers')
}

/** Unlocks officer `number` with `pin`; the key stays on the Rust side. */
export function unlockOfficer(number: string, pin: string): Promise<CertificateCard> {
  return invoke<CertificateCard>('unlock_officer', { number, pin })
}

/** Signs officer `number` out (forgets their key). */
export function signOutOfficer(number: string): Promise<boolean> {
  return invoke<boolean>('sign_out_officer', { number })
}

/** Officer `number` presents their certificate for inspection `inspectionId`. */
export function presentCertificate(inspectionId: string, number: string): Promise<PresentationView> {
  return invoke<PresentationView>('present_certificate', { inspectionId, number })
}

/** Verifies a certificate or presentation QR text offline. */
export function verifyQr(text: string, inspectionId: string | null = null): Promise<VerificationView> {
  return invoke<VerificationView>('verify_qr', { text, inspectionId })
}
