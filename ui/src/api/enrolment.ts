/** Setting the tablet up: typed wrappers over `src-tauri/src/commands/enrolment.rs`. Every call rejects with an `ErrorBody`. */
import { invoke } from '@tauri-apps/api/core'
import type { Officer } from './types/Officer'
import type { RegistrationView } from './types/RegistrationView'

export type { RegistrationView }

/** This tablet's registration text and QR code, for the administrator. */
export function deviceRegistration(): Promise<RegistrationView> {
  return invoke<RegistrationView>('device_registration')
}

/** Enrols an officer from the package file's bytes, the code as typed or scanned (`FTE1:…`), and a new PIN. */
export function enrolOfficer(pkg: Uint8Array, code: string, pin: string): Promise<Officer> {
  return invoke<Officer>('enrol_officer', { package: Array.from(pkg), code, pin })
}
