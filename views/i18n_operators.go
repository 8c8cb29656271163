package views

// Labels of the operator security pages (own settings, two-factor sign-in, operator
// management), merged into the catalogue at start.
var operatorLabels = map[string]map[string]string{
	LangEN: {
		"nav.settings": "My settings",

		"login.totp_title":    "Two-factor sign-in",
		"login.totp_subtitle": "Enter the 6-digit code from your authenticator app, or one of your recovery codes.",
		"login.totp_code":     "Code",
		"login.totp_invalid":  "Wrong or already used code.",
		"login.totp_cancel":   "Cancel and sign out",

		"settings.totp":           "Two-factor sign-in",
		"settings.totp_on":        "Two-factor sign-in is on",
		"settings.totp_on_hint":   "Sign-in asks for a code from your authenticator app. If you lose it, use a recovery code or ask an admin to reset it.",
		"settings.totp_off":       "Off",
		"settings.totp_off_hint":  "Protect your account with a code from an authenticator app (TOTP) at every sign-in.",
		"settings.totp_start":     "Set up two-factor sign-in",
		"settings.totp_scan":      "Scan the QR code with an authenticator app, or type the key shown beside it. Then enter the code the app shows.",
		"settings.totp_qr_alt":    "QR code for the authenticator app",
		"settings.totp_secret":    "Key (if you cannot scan)",
		"settings.totp_code":      "Code from the app",
		"settings.totp_confirm":   "Confirm",
		"settings.totp_invalid":   "That code is not right. Check the time on your phone and try the next code.",
		"settings.totp_required":  "An admin requires two-factor sign-in. Set it up to use the console.",
		"settings.recovery_once":  "Recovery codes: each signs you in once without the app. Save them now; they are not shown again.",
		"settings.recovery_saved": "I have saved them",
		"settings.password":       "Change password",
		"settings.password_hint":  "Your other console sessions are signed out.",
		"settings.password_old":   "Current password",
		"settings.password_new":   "New password",
		"settings.password_again": "New password again",
		"settings.password_wrong": "The current password is wrong.",
		"settings.password_match": "The two new passwords differ.",
		"settings.password_weak":  "The new password must be at least 10 characters.",

		"col.totp": "Two-factor",

		"operators.require_totp":          "Two-factor sign-in for everyone",
		"operators.require_totp_hint":     "When on, operators without two-factor sign-in must set it up at their next sign-in.",
		"operators.require_totp_on":       "Required",
		"operators.require_totp_off":      "Not required",
		"operators.require_totp_turn_on":  "Require",
		"operators.require_totp_turn_off": "Stop requiring",

		"action.reset_totp":  "Reset two-factor",
		"action.change_role": "Change role",
		"confirm.reset_totp": "Reset this operator's two-factor sign-in? They are signed out and can set it up again.",

		"flash.operator_role":       "Role changed; the operator's console sessions were signed out.",
		"flash.operator_password":   "Password reset; the operator's console sessions were signed out.",
		"flash.operator_totp_reset": "Two-factor sign-in reset.",
		"flash.require_totp_on":     "Two-factor sign-in is now required for every operator.",
		"flash.require_totp_off":    "Two-factor sign-in is no longer required.",
		"flash.own_password":        "Password changed. Your other console sessions were signed out.",
		"error.last_admin":          "The console must keep at least one enabled admin.",
		"error.totp_enrolled":       "Two-factor sign-in is already set up.",

		"audit.action.operator.role":         "Operator role changed",
		"audit.action.operator.password_ok":  "Operator password accepted, code due",
		"audit.action.operator.signin_fail":  "Operator sign-in failed",
		"audit.action.operator.lockout":      "Operator sign-in locked",
		"audit.action.operator.totp_begin":   "Two-factor setup started",
		"audit.action.operator.totp_enable":  "Two-factor sign-in set up",
		"audit.action.operator.totp_fail":    "Wrong two-factor code",
		"audit.action.operator.totp_reset":   "Two-factor sign-in reset",
		"audit.action.console.require_totp":  "Two-factor requirement changed",
		"audit.action.audit.export":          "Audit log exported",
		"audit.action.account.passwd":        "Account password changed",
		"audit.action.account.lockout":       "Account locked after failed binds",
		"audit.action.bind.fail":             "Bind failed (wrong password)",
		"audit.action.session.refresh_reuse": "Refresh token reused: session ended (security)",
		"audit.action.user.phone":            "Phone number bound",

		"audit.filter_from":       "From",
		"audit.filter_to":         "To",
		"audit.filter_any_action": "All actions",
		"audit.export":            "Export CSV",
		"export.stopped":          "The export stopped here because of a server error: the rows above are not all. Try again.",
		"tz.label":                "Times in %s",
	},
	LangZH: {
		"nav.settings": "我的设置",

		"login.totp_title":    "两步验证",
		"login.totp_subtitle": "请输入身份验证器 App 上的 6 位验证码，或一个恢复码。",
		"login.totp_code":     "验证码",
		"login.totp_invalid":  "验证码错误或已使用。",
		"login.totp_cancel":   "取消并退出",

		"settings.totp":           "两步验证",
		"settings.totp_on":        "已开启两步验证",
		"settings.totp_on_hint":   "登录时需要输入身份验证器 App 上的验证码。手机丢失时可用恢复码，或请管理员重置。",
		"settings.totp_off":       "未开启",
		"settings.totp_off_hint":  "每次登录时再输入身份验证器 App（TOTP）上的验证码，保护你的账号。",
		"settings.totp_start":     "开启两步验证",
		"settings.totp_scan":      "用身份验证器 App 扫描二维码，或手动输入旁边的密钥，然后输入 App 显示的验证码。",
		"settings.totp_qr_alt":    "身份验证器 App 的二维码",
		"settings.totp_secret":    "密钥（无法扫码时使用）",
		"settings.totp_code":      "App 上的验证码",
		"settings.totp_confirm":   "确认",
		"settings.totp_invalid":   "验证码不正确。请检查手机时间后输入下一个验证码。",
		"settings.totp_required":  "管理员要求开启两步验证，开启后才能使用控制台。",
		"settings.recovery_once":  "恢复码：每个可在没有 App 时登录一次。请立即保存，之后不再显示。",
		"settings.recovery_saved": "我已保存",
		"settings.password":       "修改密码",
		"settings.password_hint":  "你在其他地方的控制台登录将被强制下线。",
		"settings.password_old":   "当前密码",
		"settings.password_new":   "新密码",
		"settings.password_again": "再次输入新密码",
		"settings.password_wrong": "当前密码错误。",
		"settings.password_match": "两次输入的新密码不一致。",
		"settings.password_weak":  "新密码至少 10 个字符。",

		"col.totp": "两步验证",

		"operators.require_totp":          "所有操作员必须开启两步验证",
		"operators.require_totp_hint":     "开启后，未设置两步验证的操作员在下次登录时必须先设置。",
		"operators.require_totp_on":       "已要求",
		"operators.require_totp_off":      "未要求",
		"operators.require_totp_turn_on":  "要求开启",
		"operators.require_totp_turn_off": "取消要求",

		"action.reset_totp":  "重置两步验证",
		"action.change_role": "修改角色",
		"confirm.reset_totp": "重置该操作员的两步验证？其登录将被强制下线，之后可重新设置。",

		"flash.operator_role":       "角色已修改，该操作员的控制台登录已强制下线。",
		"flash.operator_password":   "密码已重置，该操作员的控制台登录已强制下线。",
		"flash.operator_totp_reset": "两步验证已重置。",
		"flash.require_totp_on":     "现在所有操作员都必须开启两步验证。",
		"flash.require_totp_off":    "已取消两步验证要求。",
		"flash.own_password":        "密码已修改，你在其他地方的控制台登录已强制下线。",
		"error.last_admin":          "控制台必须至少保留一个启用的管理员。",
		"error.totp_enrolled":       "两步验证已开启。",

		"audit.action.operator.role":         "修改操作员角色",
		"audit.action.operator.password_ok":  "操作员密码正确，待输入验证码",
		"audit.action.operator.signin_fail":  "操作员登录失败",
		"audit.action.operator.lockout":      "操作员登录被锁定",
		"audit.action.operator.totp_begin":   "开始设置两步验证",
		"audit.action.operator.totp_enable":  "开启两步验证",
		"audit.action.operator.totp_fail":    "两步验证码错误",
		"audit.action.operator.totp_reset":   "重置两步验证",
		"audit.action.console.require_totp":  "修改两步验证要求",
		"audit.action.audit.export":          "导出审计日志",
		"audit.action.account.passwd":        "修改账号密码",
		"audit.action.account.lockout":       "绑定失败过多，账号被锁定",
		"audit.action.bind.fail":             "绑定失败（密码错误）",
		"audit.action.session.refresh_reuse": "刷新令牌被重复使用，会话已结束（安全事件）",
		"audit.action.user.phone":            "绑定手机号",

		"audit.filter_from":       "开始日期",
		"audit.filter_to":         "结束日期",
		"audit.filter_any_action": "全部动作",
		"audit.export":            "导出 CSV",
		"export.stopped":          "服务器出错，导出在此中断：以上并非全部行，请重试。",
		"tz.label":                "时间均为 %s",
	},
}

func init() {
	for lang, labels := range operatorLabels {
		for k, v := range labels {
			if _, dup := catalogue[lang][k]; dup {
				panic("views: label defined twice: " + k)
			}
			catalogue[lang][k] = v
		}
	}
}
