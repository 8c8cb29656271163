package views

// Labels of the audit log's actors, targets and details (the web layer matches each
// stored detail form to one of these keys), merged into the catalogue at start.
var auditLabels = map[string]map[string]string{
	LangEN: {
		"who.operator": "Operator",
		"who.user":     "WeChat user",
		"who.wx_user":  "WeChat user",
		"who.system":   "System",
		"who.ip":       "Address",
		"who.account":  "Account",
		"who.accounts": "Accounts",
		"who.users":    "Users",
		"who.console":  "Console",
		"who.audit":    "Audit log",

		"detail.console_sessions_ended":   "Console sessions signed out: %s",
		"detail.role_sessions_ended":      "Role %s; console sessions signed out: %s",
		"detail.role":                     "Role %s",
		"detail.username":                 "Username %s",
		"detail.own_password":             "Own password; other console sessions signed out: %s",
		"detail.sessions_revoked":         "Sessions signed out: %s",
		"detail.sessions_revoked_unbound": "Sessions signed out: %s; bound account %s unbound",
		"detail.session":                  "Session %s",
		"detail.refresh_reuse":            "Session %s ended: a used refresh token was presented again",
		"detail.export":                   "Rows: %s; filter: %s",
		"detail.export_users_stream":      "Streamed export of every user matching the filter: %s",
		"detail.export_audit_stream":      "Streamed export of every audit event matching the filter: %s",
		"detail.attempts_cleared":         "Failed attempts cleared: %s",
		"detail.accounts_created":         "Accounts created: %s",
		"detail.unbound":                  "Bound account %s unbound; sessions signed out: %s",
		"detail.bound_by_operator":        "Bound to account %s (%s) by an operator",
		"detail.bound_ticket":             "Bound to account %s (%s) with password and bind ticket",
		"detail.bound_session":            "Bound to account %s (%s) with password in a session",
		"detail.bind_wrong_password":      "Wrong password for %s; WeChat user %s",
		"detail.bind_unknown_username":    "Unknown username %s; WeChat user %s",
		"detail.bind_lockout_hour":        "%s failures in an hour: every try refused for up to an hour",
		"detail.bind_lockout_ip":          "%s failures from address %s",
		"detail.bind_lockout_user":        "%s failures from WeChat user %s",
		"detail.signin_fail":              "Wrong password or unknown operator “%s”",
		"detail.signin_lockout_user":      "%s failed sign-ins for “%s” within 15 minutes: refused until they age out",
		"detail.signin_lockout_ip":        "%s failed sign-ins from %s within 15 minutes: refused until they age out",
		"detail.code_due":                 "Two-factor code due",
		"detail.enrol_due":                "Two-factor sign-in required: set-up due",
		"detail.with_totp":                "With a two-factor code",
		"detail.with_recovery":            "With a recovery code (%s left)",
		"detail.recovery_codes":           "Recovery codes: %s",
		"detail.totp_fail":                "Wrong, used or stale two-factor code",
		"detail.on":                       "On",
		"detail.off":                      "Off",
		"detail.yes":                      "yes",
		"detail.no":                       "no",
		"detail.app_create":               "Name “%s”; enabled: %s; unionid link: %s",
		"detail.app_link_unionid":         "Unionid link: %s",
		"detail.app_rename":               "Name “%s”",
		"detail.app_secret":               "AppSecret replaced",
		"detail.bound_unionid":            "Bound to account %s, linked by unionid from app %s (WeChat user %s)",
		"who.app":                         "App",
		"who.username":                    "Username",
		"detail.reason_suffix":            "; reason: %s",
	},
	LangZH: {
		"who.operator": "操作员",
		"who.user":     "微信用户",
		"who.wx_user":  "微信用户",
		"who.system":   "系统",
		"who.ip":       "地址",
		"who.account":  "账号",
		"who.accounts": "账号",
		"who.users":    "用户",
		"who.console":  "控制台",
		"who.audit":    "审计日志",

		"detail.console_sessions_ended":   "强制下线的控制台登录：%s",
		"detail.role_sessions_ended":      "角色 %s；强制下线的控制台登录：%s",
		"detail.role":                     "角色 %s",
		"detail.username":                 "用户名 %s",
		"detail.own_password":             "修改本人密码；其他控制台登录已强制下线：%s",
		"detail.sessions_revoked":         "强制下线的会话：%s",
		"detail.sessions_revoked_unbound": "强制下线的会话：%s；已解除绑定账号 %s",
		"detail.session":                  "会话 %s",
		"detail.refresh_reuse":            "会话 %s 已结束：已用过的刷新令牌被再次提交",
		"detail.export":                   "行数：%s；筛选：%s",
		"detail.export_users_stream":      "流式导出符合筛选的全部用户：%s",
		"detail.export_audit_stream":      "流式导出符合筛选的全部审计事件：%s",
		"detail.attempts_cleared":         "已清除失败尝试：%s",
		"detail.accounts_created":         "已创建账号：%s",
		"detail.unbound":                  "已解除绑定账号 %s；强制下线的会话：%s",
		"detail.bound_by_operator":        "由操作员绑定到账号 %s（%s）",
		"detail.bound_ticket":             "凭密码和绑定票据绑定到账号 %s（%s）",
		"detail.bound_session":            "凭密码在会话中绑定到账号 %s（%s）",
		"detail.bind_wrong_password":      "%s 的密码错误；微信用户 %s",
		"detail.bind_unknown_username":    "未知用户名 %s；微信用户 %s",
		"detail.bind_lockout_hour":        "一小时内失败 %s 次：一小时内拒绝所有尝试",
		"detail.bind_lockout_ip":          "%s 次失败来自地址 %s",
		"detail.bind_lockout_user":        "%s 次失败来自微信用户 %s",
		"detail.signin_fail":              "密码错误或操作员不存在：“%s”",
		"detail.signin_lockout_user":      "15 分钟内“%[2]s”登录失败 %[1]s 次：在失败记录过期前拒绝登录",
		"detail.signin_lockout_ip":        "15 分钟内来自 %[2]s 的登录失败 %[1]s 次：在失败记录过期前拒绝登录",
		"detail.code_due":                 "待输入两步验证码",
		"detail.enrol_due":                "要求两步验证：待设置",
		"detail.with_totp":                "使用两步验证码",
		"detail.with_recovery":            "使用恢复码（剩余 %s 个）",
		"detail.recovery_codes":           "恢复码：%s 个",
		"detail.totp_fail":                "两步验证码错误、已使用或已过期",
		"detail.on":                       "开启",
		"detail.off":                      "关闭",
		"detail.yes":                      "是",
		"detail.no":                       "否",
		"detail.app_create":               "名称“%s”；启用：%s；按 unionid 关联：%s",
		"detail.app_link_unionid":         "按 unionid 关联：%s",
		"detail.app_rename":               "名称“%s”",
		"detail.app_secret":               "已更换 AppSecret",
		"detail.bound_unionid":            "按 unionid 关联绑定到账号 %s，来自小程序 %s（微信用户 %s）",
		"who.app":                         "小程序",
		"who.username":                    "用户名",
		"detail.reason_suffix":            "；原因：%s",
	},
}

func init() {
	for lang, labels := range auditLabels {
		for k, v := range labels {
			if _, dup := catalogue[lang][k]; dup {
				panic("views: label defined twice: " + k)
			}
			catalogue[lang][k] = v
		}
	}
}

// Labels of the account import's refusals (web matches each stored reason to a key).
var importLabels = map[string]map[string]string{
	LangEN: {
		"import.report":         "nothing imported, %d rows rejected: ",
		"import.line_user":      "line %d %s: %s",
		"import.line":           "line %d: %s",
		"import.more":           "; … (%d more)",
		"import.too_large":      "the file is larger than %s MB; split it",
		"import.malformed":      "malformed CSV at line %s, column %s: %s",
		"import.too_many":       "more than %s accounts in one file; split it",
		"import.missing_column": "missing column: expected %s columns (%s), found %s",
		"import.extra_column":   "too many columns: expected %s columns (%s), found %s",
		"import.bad_username":   "username must be 1 to %s characters, UTF-8, without control characters",
		"import.repeated":       "username repeats line %s",
		"import.bad_name":       "name is longer than %s characters, not UTF-8 or holds control characters",
		"import.empty_password": "password is empty",
		"import.hash_refused":   "password hash refused: %s",
		"import.hash_kind":      "password_hash is not a bcrypt ($2a$, $2b$, $2y$) or argon2id ($argon2id$) hash",
		"import.password_long":  "password is longer than %s bytes",
		"import.password_utf8":  "password is not valid UTF-8",
		"import.empty":          "no accounts in the file",
		"import.exists":         "username already exists",
		"import.column_twice":   "column %q appears twice in the header",
		"import.both_passwords": "the header has both a password and a password_hash column",
		"import.unknown_column": "unknown column %q in the header (known: username, name, password or password_hash)",
	},
	LangZH: {
		"import.report":         "未导入任何账号，%d 行被拒绝：",
		"import.line_user":      "第 %d 行 %s：%s",
		"import.line":           "第 %d 行：%s",
		"import.more":           "；……（还有 %d 行）",
		"import.too_large":      "文件大于 %s MB，请拆分",
		"import.malformed":      "CSV 格式错误，第 %s 行第 %s 列：%s",
		"import.too_many":       "一个文件超过 %s 个账号，请拆分",
		"import.missing_column": "缺少列：应有 %s 列（%s），实际 %s 列",
		"import.extra_column":   "列数过多：应有 %s 列（%s），实际 %s 列",
		"import.bad_username":   "用户名须为 1 到 %s 个字符的 UTF-8 文本，且不含控制字符",
		"import.repeated":       "用户名与第 %s 行重复",
		"import.bad_name":       "姓名超过 %s 个字符、不是 UTF-8 或含控制字符",
		"import.empty_password": "密码为空",
		"import.hash_refused":   "密码哈希被拒绝：%s",
		"import.hash_kind":      "password_hash 不是 bcrypt（$2a$、$2b$、$2y$）或 argon2id（$argon2id$）哈希",
		"import.password_long":  "密码超过 %s 字节",
		"import.password_utf8":  "密码不是有效的 UTF-8",
		"import.empty":          "文件中没有账号",
		"import.exists":         "用户名已存在",
		"import.column_twice":   "表头中列 %q 出现了两次",
		"import.both_passwords": "表头同时有 password 和 password_hash 列",
		"import.unknown_column": "表头中有未知列 %q（可用：username、name、password 或 password_hash）",
	},
}

func init() {
	for lang, labels := range importLabels {
		for k, v := range labels {
			if _, dup := catalogue[lang][k]; dup {
				panic("views: label defined twice: " + k)
			}
			catalogue[lang][k] = v
		}
	}
}
