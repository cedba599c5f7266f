import { describe, expect, it } from 'vitest'
import { errorKey, errorMessage, toErrorBody } from '../src/lib/errors'
import zhCN from '../src/locales/zh-CN'
import en from '../src/locales/en'
import { translator } from './helpers'

describe('toErrorBody', () => {
  it('keeps a {code, message} rejection and drops other fields', () => {
    expect(toErrorBody({ code: 'server_unreachable', message: 'connection refused', extra: 1 })).toEqual({
      code: 'server_unreachable',
      message: 'connection refused',
    })
  })

  it('wraps a string rejection (as Tauri sends for an unknown command)', () => {
    expect(toErrorBody('command sync_now not found')).toEqual({
      code: 'unknown',
      message: 'command sync_now not found',
    })
  })

  it('wraps an Error', () => {
    expect(toErrorBody(new TypeError('boom'))).toEqual({ code: 'unknown', message: 'boom' })
  })

  it('wraps anything else', () => {
    expect(toErrorBody({ code: 42 })).toEqual({ code: 'unknown', message: '{"code":42}' })
    expect(toErrorBody(undefined)).toEqual({ code: 'unknown', message: 'undefined' })
  })
})

describe('errorKey', () => {
  it('accepts plain identifiers only', () => {
    expect(errorKey('not_found')).toBe('errors.codes.not_found')
    expect(errorKey('a.b')).toBeNull()
    expect(errorKey('')).toBeNull()
  })
})

describe('errorMessage', () => {
  it('maps a known code to the Chinese sentence', () => {
    const i18n = translator('zh-CN')
    expect(errorMessage(i18n, { code: 'server_unreachable', message: 'connection refused' })).toBe(
      zhCN.errors.codes.server_unreachable,
    )
  })

  it('maps a known code to the English sentence in English', () => {
    const i18n = translator('en')
    expect(errorMessage(i18n, { code: 'database', message: 'disk I/O error' })).toBe(en.errors.codes.database)
  })

  it('falls back to the generic sentence with the message for an unknown code', () => {
    const i18n = translator('zh-CN')
    expect(errorMessage(i18n, { code: 'brand_new', message: 'it broke' })).toBe('操作失败：it broke')
    expect(errorMessage(i18n, 'command not found')).toBe(zhCN.errors.codes.unknown)
  })

  it('does not treat a code with a dot as a locale path', () => {
    const i18n = translator('zh-CN')
    expect(errorMessage(i18n, { code: 'codes.database', message: 'x' })).toBe('操作失败：x')
  })

  it('has a sentence for every code the terminal and the domain report', () => {
    // fieldtrail_terminal::Error::code, fieldtrail_core::Error::code and IdentityError::code.
    const codes = [
      'database',
      'data_dir',
      'not_found',
      'server_unreachable',
      'server_refused',
      'server_bad_reply',
      'invalid_input',
      'document_corrupt',
      'schema_unsupported',
      'document_malformed',
      'locked',
      'evidence_io',
      'evidence_empty',
      'evidence_unsupported',
      'image_refused',
      'evidence_not_found',
      'upload_hash_mismatch',
      'device_key',
      'weak_pin',
      'wrong_code',
      'wrong_pin',
      'pin_locked',
      'certificate_not_valid',
      'malformed',
      'bad_signature',
      'unknown_issuer',
      'signing',
      'out_of_scope',
      'not_enough_officers',
      'catalogue_outdated',
    ]
    for (const locale of ['zh-CN', 'en'] as const) {
      const i18n = translator(locale)
      for (const code of codes) {
        expect(i18n.te(`errors.codes.${code}`), `${locale}: ${code}`).toBe(true)
      }
    }
    expect(Object.keys(en.errors.codes).sort()).toEqual(Object.keys(zhCN.errors.codes).sort())
  })
})
