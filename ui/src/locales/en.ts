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
      unknown: 'An unknown error occurred. Try again.',
    },
  },
}

export default en
