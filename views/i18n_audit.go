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
		"detail.own_password":             "Own password; other console sessions signed out: %s",
		"detail.sessions_revoked":         "Sessions signed out: %s",
		"detail.sessions_revoked_unbound": "Sessions signed out: %s; bound account %s unbound",
		"detail.session":                  "Session %s",
		"detail.refresh_reuse":            "Session %s ended: a used refresh token was presented again",
		"detail.export":                   "Rows: %s; filter: %s",
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
		"detail.own_password":             "修改本人密码；其他控制台登录已强制下线：%s",
		"detail.sessions_revoked":         "强制下线的会话：%s",
		"detail.sessions_revoked_unbound": "强制下线的会话：%s；已解除绑定账号 %s",
		"detail.session":                  "会话 %s",
		"detail.refresh_reuse":            "会话 %s 已结束：已用过的刷新令牌被再次提交",
		"detail.export":                   "行数：%s；筛选：%s",
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
