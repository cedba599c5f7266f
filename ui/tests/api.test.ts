import { beforeEach, describe, expect, it, vi } from 'vitest'

const invoke = vi.fn()
// A channel is what the ui hands a command for its progress reports: here it only keeps its handler.
class Channel {
  constructor(public onmessage: (message: unknown) => void) {}
}
vi.mock('@tauri-apps/api/core', () => ({ invoke: (...args: unknown[]) => invoke(...args), Channel }))

const { listInspections, createInspection, editInspection, lockInspection, showInspection } = await import(
  '../src/api/inspections'
)
const { listOfficers, unlockOfficer, signOutOfficer, presentCertificate, verifyQr } = await import('../src/api/officers')
const { addEvidenceBytes, addEvidenceIncoming, appendIncoming, beginIncoming, discardIncoming, importEvidence, listEvidence } =
  await import('../src/api/evidence')
const { syncDocuments, pendingUploads, uploadEvidence, terminalStatus } = await import('../src/api/sync')
const { getSettings } = await import('../src/api/settings')
const { searchCatalogue } = await import('../src/api/catalogue')
const { partySigned, signatureRefused, amendInspection, recordInterference, inspectionTimeline } = await import(
  '../src/api/trail'
)

describe('api wrappers', () => {
  beforeEach(() => {
    invoke.mockReset()
  })

  it('listInspections asks list_inspections for one page after a cursor', async () => {
    const page = { items: [], next: null }
    invoke.mockResolvedValue(page)
    await expect(listInspections(null, 50)).resolves.toEqual(page)
    expect(invoke).toHaveBeenCalledWith('list_inspections', { cursor: null, limit: 50 })
    await listInspections({ started_ms: 1764400000000, id: 'i9' }, 50)
    expect(invoke).toHaveBeenLastCalledWith('list_inspections', { cursor: { started_ms: 1764400000000, id: 'i9' }, limit: 50 })
  })

  it('officer commands take camelCase arguments', async () => {
    invoke.mockResolvedValue(null)
    await listOfficers()
    await unlockOfficer('15080001', '482913')
    await signOutOfficer('15080001')
    await presentCertificate('i1', '15080001')
    await verifyQr('FTP1:x', 'i1')
    await verifyQr('FT1:y')
    expect(invoke.mock.calls).toEqual([
      ['list_officers'],
      ['unlock_officer', { number: '15080001', pin: '482913' }],
      ['sign_out_officer', { number: '15080001' }],
      ['present_certificate', { inspectionId: 'i1', number: '15080001' }],
      ['verify_qr', { text: 'FTP1:x', inspectionId: 'i1' }],
      ['verify_qr', { text: 'FT1:y', inspectionId: null }],
    ])
  })

  it('inspection commands', async () => {
    invoke.mockResolvedValue('id')
    const draft = { item_name: 'x' } as never
    await createInspection(draft)
    await showInspection('i1')
    await editInspection('i1', [{ type: 'findings', text: 'ok' }])
    await lockInspection('i1', '15080001', [{ type: 'result', text: '合格' }])
    expect(invoke.mock.calls).toEqual([
      ['create_inspection', { draft }],
      ['show_inspection', { id: 'i1' }],
      ['edit_inspection', { id: 'i1', edits: [{ type: 'findings', text: 'ok' }] }],
      ['lock_inspection', { id: 'i1', number: '15080001', edits: [{ type: 'result', text: '合格' }] }],
    ])
  })

  it('evidence bytes go as the raw body with the name base64 in a header', async () => {
    invoke.mockResolvedValue({})
    const bytes = new Uint8Array([1, 2, 3])
    await addEvidenceBytes('i1', '15080001', '照片.jpg', bytes)
    expect(invoke).toHaveBeenCalledWith('add_evidence_bytes', bytes, {
      headers: { 'inspection-id': 'i1', officer: '15080001', 'file-name': btoa(String.fromCharCode(...new TextEncoder().encode('照片.jpg'))) },
    })
    const stored: number[][] = []
    await importEvidence('i1', '15080001', '/tmp/a.jpg', (done, total) => stored.push([done, total]))
    const [, args] = invoke.mock.lastCall as [string, { progress: Channel }]
    expect(invoke).toHaveBeenLastCalledWith('import_evidence', {
      inspectionId: 'i1',
      number: '15080001',
      path: '/tmp/a.jpg',
      progress: expect.any(Channel),
    })
    args.progress.onmessage({ done: 5, total: 10 })
    expect(stored).toEqual([[5, 10]])
    await listEvidence('i1')
    expect(invoke).toHaveBeenLastCalledWith('list_evidence', { inspectionId: 'i1' })
  })

  it('a large file goes in pieces: raw bytes with the incoming id in a header, then stored with a channel', async () => {
    invoke.mockResolvedValue('0b7e0c1a-5f43-4c43-9d1e-2f1a7c6e9b10')
    const id = await beginIncoming()
    expect(invoke).toHaveBeenLastCalledWith('begin_incoming')
    const piece = new Uint8Array([9, 8, 7])
    await appendIncoming(id, piece)
    expect(invoke).toHaveBeenLastCalledWith('append_incoming', piece, { headers: { incoming: id } })
    await addEvidenceIncoming('i1', '15080001', id, '现场.mp4', () => undefined)
    expect(invoke).toHaveBeenLastCalledWith('add_evidence_incoming', {
      inspectionId: 'i1',
      number: '15080001',
      incoming: id,
      fileName: '现场.mp4',
      progress: expect.any(Channel),
    })
    await discardIncoming(id)
    expect(invoke).toHaveBeenLastCalledWith('discard_incoming', { incoming: id })
  })

  it('trail commands: the signature PNG as the raw body, the rest camelCase', async () => {
    invoke.mockResolvedValue(null)
    const png = new Uint8Array([0x89, 0x50, 0x4e, 0x47])
    await partySigned('i1', '15080001', png)
    await signatureRefused('i1', '不签')
    await amendInspection('i1', { type: 'result', text: '责令改正' }, '笔误', '15080001')
    await recordInterference('i1', '阻挠拍照', '15080002')
    await inspectionTimeline('i1')
    expect(invoke.mock.calls).toEqual([
      ['party_signed', png, { headers: { 'inspection-id': 'i1', officer: '15080001' } }],
      ['signature_refused', { id: 'i1', reason: '不签' }],
      ['amend_inspection', { id: 'i1', edit: { type: 'result', text: '责令改正' }, reason: '笔误', number: '15080001' }],
      ['record_interference', { id: 'i1', description: '阻挠拍照', number: '15080002' }],
      ['inspection_timeline', { id: 'i1' }],
    ])
  })

  it('sync commands', async () => {
    invoke.mockResolvedValue([])
    await syncDocuments()
    await pendingUploads()
    const heard: unknown[] = []
    await uploadEvidence('ab', (p) => heard.push(p))
    await terminalStatus()
    expect(invoke.mock.calls).toEqual([['sync_documents', { progress: expect.any(Channel) }], ['pending_uploads'], ['upload_evidence', { sha256: 'ab', progress: expect.any(Channel) }], ['terminal_status']])
  })

  it('getSettings calls get_settings', async () => {
    invoke.mockResolvedValue({ server: 's', data_dir: 'd' })
    await expect(getSettings()).resolves.toEqual({ server: 's', data_dir: 'd' })
    expect(invoke).toHaveBeenCalledWith('get_settings')
  })

  it('searchCatalogue calls catalogue_search with the query', async () => {
    invoke.mockResolvedValue([])
    await expect(searchCatalogue('草原')).resolves.toEqual([])
    expect(invoke).toHaveBeenCalledWith('catalogue_search', { query: '草原' })
  })

  it('passes the {code, message} rejection through', async () => {
    invoke.mockImplementation(() => Promise.reject({ code: 'server_unreachable', message: 'refused' }))
    const rejection = await syncDocuments().then(
      () => null,
      (error: unknown) => error,
    )
    expect(rejection).toStrictEqual({ code: 'server_unreachable', message: 'refused' })
  })
})
