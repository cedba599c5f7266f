import { beforeEach, describe, expect, it, vi } from 'vitest'

const invoke = vi.fn()
vi.mock('@tauri-apps/api/core', () => ({ invoke: (...args: unknown[]) => invoke(...args) }))

const { listInspections, syncNow } = await import('../src/api/inspections')
const { getSettings } = await import('../src/api/settings')

describe('api wrappers', () => {
  beforeEach(() => {
    invoke.mockReset()
  })

  it('listInspections calls list_inspections without arguments', async () => {
    invoke.mockResolvedValue([])
    await expect(listInspections()).resolves.toEqual([])
    expect(invoke).toHaveBeenCalledWith('list_inspections')
  })

  it('syncNow passes the server URL', async () => {
    const report = { rounds: 1, sent_docs: 2, received_docs: 3, bytes_sent: 4, bytes_received: 5, cursor: 6 }
    invoke.mockResolvedValue(report)
    await expect(syncNow('http://127.0.0.1:8787')).resolves.toEqual(report)
    expect(invoke).toHaveBeenCalledWith('sync_now', { server: 'http://127.0.0.1:8787' })
  })

  it('getSettings calls get_settings', async () => {
    invoke.mockResolvedValue({ server: 's', data_dir: 'd' })
    await expect(getSettings()).resolves.toEqual({ server: 's', data_dir: 'd' })
    expect(invoke).toHaveBeenCalledWith('get_settings')
  })

  it('passes the {code, message} rejection through', async () => {
    invoke.mockImplementation(() => Promise.reject({ code: 'server_unreachable', message: 'refused' }))
    const rejection = await syncNow('x').then(
      () => null,
      (error: unknown) => error,
    )
    expect(rejection).toStrictEqual({ code: 'server_unreachable', message: 'refused' })
  })
})
