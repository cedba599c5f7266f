/**
 * Simplified Chinese, the default locale. Its shape is `MessageSchema`: every other
 * locale must have exactly these keys (the type checker and `tests/locales.test.ts` check it).
 */
const zhCN = {
  app: {
    title: '执法记录',
  },
  locale: {
    /** Label of the language switch: the name of the language it switches to. */
    switchTo: 'English',
    switchLabel: '切换语言',
  },
  inspections: {
    empty: '暂无检查记录',
    conflict: '有冲突',
    party: '当事人：{name}',
    startedAt: '开始：{time}',
    result: '结果：{result}',
    noResult: '未填写',
    pulling: '下拉即可刷新…',
    loosing: '释放即可刷新…',
    loading: '加载中…',
    refreshed: '已刷新',
  },
  kinds: {
    inspection: '行政检查',
    penalty: '行政处罚',
    licence: '行政许可',
    coercion: '行政强制',
    levy: '行政征收',
  },
  status: {
    draft: '草稿',
    in_progress: '进行中',
    completed: '已完成',
    locked: '已锁定',
  },
  sync: {
    button: '同步',
    running: '正在同步…',
    done: '同步完成：发送 {sent} 份，接收 {received} 份',
  },
  errors: {
    generic: '操作失败：{message}',
    /** One sentence per `code` of the app's `{code, message}` errors. */
    codes: {
      database: '本地数据库读写失败，请重试；如仍失败请联系管理员。',
      data_dir: '无法访问本地数据目录，请检查存储空间和权限。',
      not_found: '未找到该检查记录，可能已被删除。',
      invalid_input: '输入的数据不完整或格式有误，请检查后重试。',
      server_unreachable: '无法连接同步服务器，请检查网络后重试。',
      server_refused: '同步服务器拒绝了本次同步，请联系管理员。',
      server_bad_reply: '同步服务器返回的数据有误，请稍后重试。',
      document_corrupt: '检查记录数据已损坏，请联系管理员。',
      document_malformed: '检查记录数据格式有误，请联系管理员。',
      schema_unsupported: '该检查记录由更新版本的应用创建，请先升级应用。',
      locked: '该检查已锁定，不能再直接修改；如需更正，请以更正方式并说明理由。',
      evidence_io: '无法读取该证据文件，请检查文件是否仍在。',
      evidence_empty: '证据文件为空，请重新拍摄或导入。',
      evidence_unsupported: '不支持该文件类型，请导入照片、录音或视频。',
      image_refused: '图片已损坏或尺寸异常，无法作为证据，请重新拍摄。',
      evidence_not_found: '本机找不到该证据文件，请运行完整性检查并联系管理员。',
      upload_hash_mismatch: '证据文件在本机已被改动，服务器拒收；请运行完整性检查并报告管理员。',
      device_key: '本机设备密钥不可用，请联系管理员。',
      weak_pin: 'PIN 码须为 6 至 12 位数字，且不能是重复或连续的数字。',
      wrong_code: '注册码不正确，请核对管理员提供的注册码。',
      wrong_pin: 'PIN 码错误，请重新输入；多次错误将暂时锁定。',
      pin_locked: 'PIN 码错误次数过多，已暂时锁定，请稍后再试。',
      certificate_not_valid: '执法证件无效（已过期、暂扣或缴销），不能出示或执法，请联系发证机关。',
      malformed: '无法识别该证件或二维码，请重新扫描。',
      bad_signature: '证件签名无效，可能被伪造或篡改。',
      unknown_issuer: '发证机关不在本机信任名单中，无法核验。',
      signing: '签名失败，请重新解锁后再试。',
      out_of_scope: '该执法事项超出本人证件的执法类别或执法区域，不能办理。',
      not_enough_officers: '至少需要两名持证执法人员出示证件后才能锁定检查。',
      unknown: '发生未知错误，请重试。',
    },
  },
}

export type MessageSchema = typeof zhCN

export default zhCN
