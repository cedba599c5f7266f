import type { MessageSchema } from './zh-CN'

/** English. Typed as `MessageSchema`: a missing or extra key fails the type check. */
const en: MessageSchema = {
  app: {
    title: 'Field records',
  },
  locale: {
    switchTo: '中文',
    switchLabel: 'Switch language',
  },
  inspections: {
    empty: 'No inspections yet',
    conflict: 'Conflict',
    party: 'Party: {name}',
    startedAt: 'Started: {time}',
    result: 'Result: {result}',
    noResult: 'not recorded',
    pulling: 'Pull to refresh…',
    loosing: 'Release to refresh…',
    loading: 'Loading…',
    refreshed: 'Refreshed',
  },
  kinds: {
    inspection: 'Inspection',
    penalty: 'Penalty',
    licence: 'Licence',
    coercion: 'Coercion',
    levy: 'Levy',
  },
  status: {
    draft: 'Draft',
    in_progress: 'In progress',
    completed: 'Completed',
    locked: 'Locked',
  },
  sync: {
    button: 'Sync',
    running: 'Syncing…',
    done: 'Sync complete: {sent} sent, {received} received',
  },
  errors: {
    generic: 'Something went wrong: {message}',
    codes: {
      database: 'The local database could not be read or written. Try again; if it keeps failing, contact your administrator.',
      data_dir: 'The local data folder cannot be accessed. Check the free storage and permissions.',
      not_found: 'The inspection was not found; it may have been deleted.',
      invalid_input: 'The data entered is incomplete or malformed. Check it and try again.',
      server_unreachable: 'Cannot reach the sync server. Check the network and try again.',
      server_refused: 'The sync server refused the sync. Contact your administrator.',
      server_bad_reply: 'The sync server sent invalid data. Try again later.',
      document_corrupt: 'The inspection record is damaged. Contact your administrator.',
      document_malformed: 'The inspection record is malformed. Contact your administrator.',
      schema_unsupported: 'The inspection record was made by a newer version of the app. Update the app first.',
      locked: 'This inspection is locked and cannot be edited directly; make an amendment with a reason instead.',
      evidence_io: 'The evidence file cannot be read. Check that it still exists.',
      evidence_empty: 'The evidence file is empty. Take or import it again.',
      evidence_unsupported: 'This type of file is not supported. Import a photo, an audio or a video recording.',
      image_refused: 'The image is damaged or has an abnormal size and cannot be used as evidence. Take it again.',
      evidence_not_found: 'The evidence file is missing on this device. Run the integrity check and contact your administrator.',
      upload_hash_mismatch: 'The evidence file was changed on this device and the server refused it. Run the integrity check and report it.',
      device_key: "This device's key is unavailable. Contact your administrator.",
      weak_pin: 'A PIN is 6 to 12 digits, not one repeated digit or a run such as 123456.',
      wrong_code: 'The enrolment code is wrong. Check the code your administrator gave you.',
      wrong_pin: 'Wrong PIN. Try again; repeated mistakes lock it for a while.',
      pin_locked: 'Too many wrong PINs: locked for a while. Try again later.',
      certificate_not_valid: 'The certificate is not valid (expired, suspended or revoked) and cannot be used. Contact the issuing authority.',
      malformed: 'This certificate or QR code cannot be read. Scan it again.',
      bad_signature: "The certificate's signature is invalid: it may be forged or altered.",
      unknown_issuer: 'The issuing authority is not trusted on this device, so the certificate cannot be checked.',
      signing: 'Signing failed. Unlock again and retry.',
      out_of_scope: 'This enforcement item is outside the categories or region of your certificate.',
      not_enough_officers: 'At least two certified officers must present their certificates before the inspection is locked.',
      unknown: 'An unknown error occurred. Try again.',
    },
  },
}

export default en
