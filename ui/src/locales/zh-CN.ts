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
      unknown: '发生未知错误，请重试。',
    },
  },
}

export type MessageSchema = typeof zhCN

export default zhCN
