package views

import (
	"fmt"
	"strconv"
	"strings"
)

// Languages the console speaks. DefaultLang is used when the browser asks for neither.
const (
	LangZH      = "zh"
	LangEN      = "en"
	DefaultLang = LangEN
)

// T returns the label for key in lang ("zh" or "en"). A key missing in lang falls back to
// English, and a key missing there too is returned as is, so a gap shows up on the page
// instead of breaking it.
func T(lang, key string) string {
	if s, ok := lookup(lang, key); ok {
		return s
	}
	return key
}

// Tf is T with fmt.Sprintf arguments for labels that carry values ("%s users").
func Tf(lang, key string, args ...any) string {
	return fmt.Sprintf(T(lang, key), args...)
}

// Lookup finds key in lang, then in English, and reports whether it is there.
func Lookup(lang, key string) (string, bool) { return lookup(lang, key) }

// Keys lists every key of the catalogue (for tests that look for keys on pages).
func Keys() []string {
	out := make([]string, 0, len(catalogue[LangEN]))
	for k := range catalogue[LangEN] {
		out = append(out, k)
	}
	return out
}

// lookup finds key in lang, then in English.
func lookup(lang, key string) (string, bool) {
	if s, ok := catalogue[normLang(lang)][key]; ok {
		return s, true
	}
	s, ok := catalogue[LangEN][key]
	return s, ok
}

// normLang maps anything that is not Chinese to English.
func normLang(lang string) string {
	if lang == LangZH {
		return LangZH
	}
	return LangEN
}

// NegotiateLang picks the console language from an Accept-Language header: the
// highest-weighted of Chinese (any zh-*) and English, DefaultLang when neither is
// acceptable. The web layer uses it when the operator has not chosen with the switch.
func NegotiateLang(acceptLanguage string) string {
	best, bestQ := "", 0.0
	for _, part := range strings.Split(acceptLanguage, ",") {
		tag, params, _ := strings.Cut(strings.TrimSpace(part), ";")
		q := 1.0
		if v, ok := strings.CutPrefix(strings.TrimSpace(params), "q="); ok {
			f, err := strconv.ParseFloat(v, 64)
			if err != nil {
				continue
			}
			q = f
		}
		primary, _, _ := strings.Cut(strings.ToLower(strings.TrimSpace(tag)), "-")
		var lang string
		switch primary {
		case "zh":
			lang = LangZH
		case "en":
			lang = LangEN
		default:
			continue
		}
		if q > bestQ {
			best, bestQ = lang, q
		}
	}
	if best == "" {
		return DefaultLang
	}
	return best
}

// ParseLang returns the catalogue language named by s ("zh", "zh-CN", "en"...), and
// false for anything else: for validating the language switch's "to" parameter.
func ParseLang(s string) (string, bool) {
	primary, _, _ := strings.Cut(strings.ToLower(strings.TrimSpace(s)), "-")
	switch primary {
	case LangZH, LangEN:
		return primary, true
	}
	return "", false
}

// catalogue holds every label of the console in both languages. Keys are grouped by
// page; audit.action.* names audit action codes (unknown codes are shown raw).
var catalogue = map[string]map[string]string{
	LangEN: {
		"app.name":    "miniauth",
		"app.console": "Operator console",
		"a11y.skip":   "Skip to content",
		"lang.other":  "中文",
		"lang.switch": "切换到中文",

		"nav.label":      "Sections",
		"nav.overview":   "Overview",
		"nav.users":      "Users",
		"nav.accounts":   "Accounts",
		"nav.bindings":   "Bindings",
		"nav.sessions":   "Sessions",
		"nav.audit":      "Audit log",
		"nav.operators":  "Operators",
		"nav.playground": "Playground",

		"role.admin":  "Admin",
		"role.viewer": "Viewer",

		"sim.banner.title": "SIMULATOR MODE",
		"sim.banner.text":  "Not connected to WeChat: logins come from the built-in simulator. Do not use with real users.",

		"login.title":     "Sign in",
		"login.subtitle":  "miniauth operator console",
		"login.username":  "Username",
		"login.password":  "Password",
		"login.submit":    "Sign in",
		"login.invalid":   "Wrong username or password.",
		"login.throttled": "Too many attempts. Try again in a few minutes.",

		"action.logout":         "Sign out",
		"action.search":         "Search",
		"action.filter":         "Filter",
		"action.clear":          "Clear",
		"action.create":         "Create",
		"action.import":         "Import",
		"action.save":           "Save",
		"action.revoke":         "Sign out",
		"action.revoke_all":     "Sign out everywhere",
		"action.erase":          "Erase user",
		"action.bind":           "Bind",
		"action.unbind":         "Unbind",
		"action.disable":        "Disable",
		"action.enable":         "Enable",
		"action.unlock":         "Unlock",
		"action.reveal_phone":   "Reveal full phone number (audited)",
		"action.reset_password": "Reset password",

		"confirm.revoke":           "Sign this session out? The mini-program will have to log in again.",
		"confirm.revoke_all":       "Sign this user out of every session?",
		"confirm.erase":            "Erase this user? Sessions end, the binding is removed and the profile is deleted. This cannot be undone.",
		"confirm.unbind":           "Unbind this WeChat user from the account?",
		"confirm.disable_account":  "Disable this account? Its sessions end and it can no longer bind.",
		"confirm.disable_operator": "Disable this operator?",

		"status.active":   "Active",
		"status.disabled": "Disabled",
		"status.locked":   "Locked",
		"status.bound":    "Bound",
		"status.unbound":  "Not bound",
		"status.erased":   "Erased",

		"col.user":       "User",
		"col.wx_user":    "WeChat user",
		"col.phone":      "Phone",
		"col.account":    "Bound account",
		"col.username":   "Username",
		"col.name":       "Name",
		"col.role":       "Role",
		"col.status":     "Status",
		"col.created":    "Created",
		"col.last_login": "Last login",
		"col.last_seen":  "Last seen",
		"col.expires":    "Expires",
		"col.session":    "Session",
		"col.client":     "IP / client",
		"col.actions":    "Actions",
		"col.bound_at":   "Bound at",
		"col.bound_by":   "Bound by",
		"col.time":       "Time",
		"col.actor":      "Actor",
		"col.action":     "Action",
		"col.target":     "Target",
		"col.detail":     "Detail",

		"pager.label": "Pages",
		"pager.first": "First",
		"pager.prev":  "Previous",
		"pager.next":  "Next",

		"overview.counts":          "Counts",
		"overview.users":           "WeChat users",
		"overview.bound":           "Bound users",
		"overview.conversion":      "Bind conversion",
		"overview.conversion_hint": "bound users / all users",
		"overview.accounts":        "Platform accounts",
		"overview.sessions":        "Active sessions",
		"overview.today_new":       "+%s today",
		"overview.today_binds":     "+%s today",
		"overview.today_logins":    "%s logins today",

		"chart.title":      "Logins and binds per day",
		"chart.days":       "last %d days",
		"chart.logins":     "Logins",
		"chart.binds":      "Binds",
		"chart.axis_count": "count",
		"chart.axis_day":   "day",
		"chart.empty":      "No data yet",
		"chart.zero":       "No logins or binds in this period",
		"chart.summary":    "From %s to %s: %s logins and %s binds.",

		"users.search_label":       "Search users",
		"users.search_placeholder": "Nickname, phone, username or exact openid",
		"users.filter_bound":       "Binding",
		"users.bound_any":          "Bound or not",
		"users.bound_yes":          "Bound",
		"users.bound_no":           "Not bound",
		"users.only_disabled":      "Disabled only",
		"users.only_phone":         "Has phone",
		"users.export":             "Export CSV",
		"users.none":               "No users yet",
		"users.none_hint":          "Users appear here after their first login from the mini-program.",
		"users.none_match":         "No users match",
		"users.none_match_hint":    "Try a shorter nickname, the full phone number, or clear the filters.",
		"users.no_nickname":        "(no nickname)",

		"user.title":              "User %s",
		"user.profile":            "Profile",
		"user.gender":             "Gender",
		"user.region":             "Region",
		"user.language":           "Language",
		"user.binding":            "Binding",
		"user.not_bound":          "This user is not bound to a platform account.",
		"user.binding_history":    "Binding history",
		"user.no_binding_history": "Never bound or unbound.",
		"user.sessions":           "Active sessions",
		"user.all_sessions":       "Sessions page",
		"user.events":             "Recent events",
		"user.erase":              "Erase user",
		"user.erase_hint":         "Account cancellation: every session ends, the binding is removed and the profile is erased. An audit tombstone is kept.",
		"user.erase_confirm":      "I understand this cannot be undone",

		"gender.unknown": "Unknown",
		"gender.male":    "Male",
		"gender.female":  "Female",

		"accounts.create":             "New account",
		"accounts.import":             "Import accounts from CSV",
		"accounts.import_hint":        "UTF-8 CSV, at most 10 MB and 100,000 accounts. Header row, any order: username,name,password (plaintext, or a bcrypt/argon2id hash) or username,name,password_hash (hashes only); without a header the columns are username,name,password. Hashes above bcrypt cost 14 or argon2id m=262144 (256 MiB), t=10, p=16 are refused. All or nothing: if any row is wrong, an existing username included, nothing is imported and the wrong rows are listed.",
		"accounts.import_file":        "CSV file",
		"accounts.import_result":      "Imported %d accounts, skipped %d.",
		"accounts.search_placeholder": "Username or name",
		"accounts.new_password":       "New password",
		"accounts.none":               "No accounts",

		"bindings.create":             "Bind a WeChat user to an account",
		"bindings.create_hint":        "For support cases only: the user normally binds themself with their password. The reason goes into the audit log.",
		"bindings.wx_user_id":         "WeChat user ID",
		"bindings.reason":             "Reason",
		"bindings.search_placeholder": "Username, nickname or user ID",
		"bindings.none":               "No bindings",
		"bindings.none_hint":          "A binding appears when a user binds in the mini-program or an operator binds here.",

		"sessions.filter_user":    "WeChat user ID",
		"sessions.filter_account": "Account username",
		"sessions.filter_ip":      "IP address",
		"sessions.none":           "No active sessions",

		"audit.filter_action": "Action",
		"audit.filter_actor":  "Actor",
		"audit.filter_target": "Target",
		"audit.none":          "No events",

		"audit.action.login":              "Login",
		"audit.action.logout":             "Logout",
		"audit.action.bind":               "Bind",
		"audit.action.unbind":             "Unbind",
		"audit.action.session.revoke":     "Signed out by an operator",
		"audit.action.session.revoke_all": "Signed out everywhere by an operator",
		"audit.action.user.erase":         "User erased",
		"audit.action.user.delete":        "Account cancelled",
		"audit.action.user.profile":       "Profile updated",
		"audit.action.user.avatar":        "Avatar uploaded",
		"audit.action.user.phone_reveal":  "Phone revealed",
		"audit.action.users.export":       "Users exported",
		"audit.action.account.create":     "Account created",
		"audit.action.account.import":     "Accounts imported",
		"audit.action.account.password":   "Password reset",
		"audit.action.account.disable":    "Account disabled",
		"audit.action.account.enable":     "Account enabled",
		"audit.action.account.unlock":     "Account unlocked",
		"audit.action.operator.login":     "Operator signed in",
		"audit.action.operator.logout":    "Operator signed out",
		"audit.action.operator.create":    "Operator created",
		"audit.action.operator.disable":   "Operator disabled",
		"audit.action.operator.enable":    "Operator enabled",
		"audit.action.operator.passwd":    "Operator password changed",

		"operators.create": "New operator",
		"operators.none":   "No operators",
		"operators.you":    "(you)",

		"playground.title":           "Act as a simulated mini-program user",
		"playground.intro":           "Each step calls this server's /api the way mini-program code would, with codes from the built-in simulator. Tokens and tickets stay on the server; follow the links to see the rows that appeared.",
		"playground.sim_user":        "Simulated person",
		"playground.step_login":      "wx.login + login",
		"playground.step_login_hint": "Gets a code from the simulator and posts it to /api/login.",
		"playground.do_login":        "Log in",
		"playground.step_check_hint": "Calls /api/user/checkBind with a fresh code: code 1 when bound, 301 with a bind ticket when not.",
		"playground.do_check":        "Check binding",
		"playground.step_bind":       "bind",
		"playground.step_bind_hint":  "Posts the ticket with an account's username and password to /api/user/bind. Create an account first on the Accounts page.",
		"playground.do_bind":         "Bind",
		"playground.need_ticket":     "Run checkBind first: it gives the bind ticket.",
		"playground.log":             "Calls and answers",
		"playground.reset":           "Clear",
		"playground.no_steps":        "No calls yet",
		"playground.no_steps_hint":   "Start with step 1.",
		"playground.rows":            "Rows:",
		"playground.viewer":          "Viewers can watch but not act: the playground writes users, sessions and bindings.",

		"error.back":              "Back to the console",
		"error.network":           "The server cannot be reached. Check the connection and try again.",
		"error.status.400":        "Bad request",
		"error.status.401":        "Please sign in",
		"error.status.403":        "Not allowed",
		"error.status.404":        "Page not found",
		"error.status.405":        "Method not allowed",
		"error.status.409":        "Conflict",
		"error.status.413":        "Upload too large",
		"error.status.415":        "Compressed requests are not accepted",
		"error.text_invalid":      "A field holds bytes that are not text (invalid UTF-8 or NUL)",
		"error.status.422":        "Check the form",
		"error.username_invalid":  "A username is 1 to 64 characters, without control characters",
		"error.password_too_long": "The password is longer than 1024 bytes",
		"error.busy":              "Too many password checks at once; try again in a moment",
		"error.status.429":        "Too many requests",
		"error.status.500":        "Something went wrong",
		"error.status.502":        "Upstream error",
		"error.status.503":        "Temporarily unavailable",
		"error.csrf":              "The form expired. Reload the page and try again.",
		"error.forbidden":         "Your role cannot do this.",
		"error.store":             "The database is not answering. Try again shortly.",
		"error.not_found_user":    "No such user.",
		"error.not_found_account": "No such account",

		"flash.signed_out":        "Signed out.",
		"flash.session_revoked":   "Session signed out.",
		"flash.sessions_revoked":  "%d sessions signed out.",
		"flash.user_erased":       "User erased.",
		"flash.account_created":   "Account %s created.",
		"flash.accounts_imported": "Imported %d accounts.",
		"flash.password_reset":    "Password reset.",
		"flash.account_disabled":  "Account disabled.",
		"flash.account_enabled":   "Account enabled.",
		"flash.account_unlocked":  "Account unlocked.",
		"flash.bound":             "Bound.",
		"flash.unbound":           "Unbound.",
		"flash.operator_created":  "Operator %s created.",
		"flash.operator_disabled": "Operator disabled.",
		"flash.operator_enabled":  "Operator enabled.",
	},
	LangZH: {
		"app.name":    "miniauth",
		"app.console": "运营控制台",
		"a11y.skip":   "跳到正文",
		"lang.other":  "English",
		"lang.switch": "Switch to English",

		"nav.label":      "导航",
		"nav.overview":   "概览",
		"nav.users":      "微信用户",
		"nav.accounts":   "平台账号",
		"nav.bindings":   "绑定关系",
		"nav.sessions":   "登录会话",
		"nav.audit":      "审计日志",
		"nav.operators":  "操作员",
		"nav.playground": "调试台",

		"role.admin":  "管理员",
		"role.viewer": "只读",

		"sim.banner.title": "模拟器模式",
		"sim.banner.text":  "未连接微信：登录均来自内置模拟器，请勿用于真实用户。",

		"login.title":     "登录",
		"login.subtitle":  "miniauth 运营控制台",
		"login.username":  "用户名",
		"login.password":  "密码",
		"login.submit":    "登录",
		"login.invalid":   "用户名或密码错误。",
		"login.throttled": "尝试次数过多，请几分钟后再试。",

		"action.logout":         "退出登录",
		"action.search":         "搜索",
		"action.filter":         "筛选",
		"action.clear":          "清除",
		"action.create":         "创建",
		"action.import":         "导入",
		"action.save":           "保存",
		"action.revoke":         "强制下线",
		"action.revoke_all":     "全部强制下线",
		"action.erase":          "注销用户",
		"action.bind":           "绑定",
		"action.unbind":         "解绑",
		"action.disable":        "停用",
		"action.enable":         "启用",
		"action.unlock":         "解锁",
		"action.reveal_phone":   "显示完整手机号（将记入审计）",
		"action.reset_password": "重置密码",

		"confirm.revoke":           "确定强制下线这个会话？小程序需要重新登录。",
		"confirm.revoke_all":       "确定将该用户的全部会话强制下线？",
		"confirm.erase":            "确定注销该用户？会话将结束、绑定将解除、资料将删除，且无法恢复。",
		"confirm.unbind":           "确定解除该微信用户与账号的绑定？",
		"confirm.disable_account":  "确定停用该账号？其会话将结束，且无法再绑定。",
		"confirm.disable_operator": "确定停用该操作员？",

		"status.active":   "正常",
		"status.disabled": "已停用",
		"status.locked":   "已锁定",
		"status.bound":    "已绑定",
		"status.unbound":  "未绑定",
		"status.erased":   "已注销",

		"col.user":       "用户",
		"col.wx_user":    "微信用户",
		"col.phone":      "手机号",
		"col.account":    "绑定账号",
		"col.username":   "用户名",
		"col.name":       "姓名",
		"col.role":       "角色",
		"col.status":     "状态",
		"col.created":    "创建时间",
		"col.last_login": "最近登录",
		"col.last_seen":  "最近活跃",
		"col.expires":    "过期时间",
		"col.session":    "会话",
		"col.client":     "IP / 客户端",
		"col.actions":    "操作",
		"col.bound_at":   "绑定时间",
		"col.bound_by":   "绑定人",
		"col.time":       "时间",
		"col.actor":      "操作人",
		"col.action":     "动作",
		"col.target":     "对象",
		"col.detail":     "详情",

		"pager.label": "分页",
		"pager.first": "首页",
		"pager.prev":  "上一页",
		"pager.next":  "下一页",

		"overview.counts":          "数据统计",
		"overview.users":           "微信用户",
		"overview.bound":           "已绑定用户",
		"overview.conversion":      "绑定转化率",
		"overview.conversion_hint": "已绑定用户 / 全部用户",
		"overview.accounts":        "平台账号",
		"overview.sessions":        "活跃会话",
		"overview.today_new":       "今日新增 %s",
		"overview.today_binds":     "今日绑定 %s",
		"overview.today_logins":    "今日登录 %s 次",

		"chart.title":      "每日登录与绑定",
		"chart.days":       "最近 %d 天",
		"chart.logins":     "登录",
		"chart.binds":      "绑定",
		"chart.axis_count": "次数",
		"chart.axis_day":   "日期",
		"chart.empty":      "暂无数据",
		"chart.zero":       "该期间没有登录或绑定",
		"chart.summary":    "%s 至 %s：登录 %s 次，绑定 %s 次。",

		"users.search_label":       "搜索用户",
		"users.search_placeholder": "昵称、手机号、用户名或完整 openid",
		"users.filter_bound":       "绑定状态",
		"users.bound_any":          "全部",
		"users.bound_yes":          "已绑定",
		"users.bound_no":           "未绑定",
		"users.only_disabled":      "仅看已停用",
		"users.only_phone":         "有手机号",
		"users.export":             "导出 CSV",
		"users.none":               "还没有用户",
		"users.none_hint":          "用户首次从小程序登录后会出现在这里。",
		"users.none_match":         "没有符合条件的用户",
		"users.none_match_hint":    "试试更短的昵称、完整的手机号，或清除筛选条件。",
		"users.no_nickname":        "（未设置昵称）",

		"user.title":              "用户 %s",
		"user.profile":            "基本资料",
		"user.gender":             "性别",
		"user.region":             "地区",
		"user.language":           "语言",
		"user.binding":            "账号绑定",
		"user.not_bound":          "该用户尚未绑定平台账号。",
		"user.binding_history":    "绑定记录",
		"user.no_binding_history": "没有绑定或解绑记录。",
		"user.sessions":           "活跃会话",
		"user.all_sessions":       "查看会话页",
		"user.events":             "最近事件",
		"user.erase":              "注销用户",
		"user.erase_hint":         "账号注销：结束全部会话、解除绑定并删除资料，审计日志中保留注销记录。",
		"user.erase_confirm":      "我了解此操作无法撤销",

		"gender.unknown": "未知",
		"gender.male":    "男",
		"gender.female":  "女",

		"accounts.create":             "新建账号",
		"accounts.import":             "从 CSV 导入账号",
		"accounts.import_hint":        "UTF-8 编码的 CSV，最大 10 MB、10 万个账号。表头（列顺序不限）：username,name,password（明文密码，或 bcrypt/argon2id 哈希）或 username,name,password_hash（只接受哈希）；没有表头时列依次为 username,name,password。bcrypt 成本超过 14、argon2id 超过 m=262144（256 MiB）、t=10、p=16 的哈希会被拒绝。全部导入或全不导入：任何一行有误（包括用户名已存在），都不会导入，并列出有误的行。",
		"accounts.import_file":        "CSV 文件",
		"accounts.import_result":      "已导入 %d 个账号，跳过 %d 个。",
		"accounts.search_placeholder": "用户名或姓名",
		"accounts.new_password":       "新密码",
		"accounts.none":               "没有账号",

		"bindings.create":             "为微信用户绑定账号",
		"bindings.create_hint":        "仅用于客服处理：通常由用户在小程序中输入密码自行绑定。填写的原因会记入审计日志。",
		"bindings.wx_user_id":         "微信用户 ID",
		"bindings.reason":             "原因",
		"bindings.search_placeholder": "用户名、昵称或用户 ID",
		"bindings.none":               "没有绑定关系",
		"bindings.none_hint":          "用户在小程序中完成绑定，或操作员在此绑定后，会出现在这里。",

		"sessions.filter_user":    "微信用户 ID",
		"sessions.filter_account": "账号用户名",
		"sessions.filter_ip":      "IP 地址",
		"sessions.none":           "没有活跃会话",

		"audit.filter_action": "动作",
		"audit.filter_actor":  "操作人",
		"audit.filter_target": "对象",
		"audit.none":          "没有事件",

		"audit.action.login":              "登录",
		"audit.action.logout":             "退出",
		"audit.action.bind":               "绑定",
		"audit.action.unbind":             "解绑",
		"audit.action.session.revoke":     "强制下线",
		"audit.action.session.revoke_all": "全部强制下线",
		"audit.action.user.erase":         "注销用户",
		"audit.action.user.delete":        "用户注销账号",
		"audit.action.user.profile":       "更新资料",
		"audit.action.user.avatar":        "上传头像",
		"audit.action.user.phone_reveal":  "查看完整手机号",
		"audit.action.users.export":       "导出用户",
		"audit.action.account.create":     "创建账号",
		"audit.action.account.import":     "导入账号",
		"audit.action.account.password":   "重置密码",
		"audit.action.account.disable":    "停用账号",
		"audit.action.account.enable":     "启用账号",
		"audit.action.account.unlock":     "解锁账号",
		"audit.action.operator.login":     "操作员登录",
		"audit.action.operator.logout":    "操作员退出",
		"audit.action.operator.create":    "创建操作员",
		"audit.action.operator.disable":   "停用操作员",
		"audit.action.operator.enable":    "启用操作员",
		"audit.action.operator.passwd":    "修改操作员密码",

		"operators.create": "新建操作员",
		"operators.none":   "没有操作员",
		"operators.you":    "（你）",

		"playground.title":           "模拟小程序用户",
		"playground.intro":           "每一步都像小程序代码那样调用本服务的 /api，code 来自内置模拟器。token 和 ticket 只保存在服务端；点击链接查看新出现的数据。",
		"playground.sim_user":        "模拟用户",
		"playground.step_login":      "wx.login + 登录",
		"playground.step_login_hint": "从模拟器取得 code，提交到 /api/login。",
		"playground.do_login":        "登录",
		"playground.step_check_hint": "用新的 code 调用 /api/user/checkBind：已绑定返回 code 1，未绑定返回 301 和绑定票据。",
		"playground.do_check":        "检查绑定",
		"playground.step_bind":       "绑定",
		"playground.step_bind_hint":  "把票据和账号的用户名、密码提交到 /api/user/bind。请先在「平台账号」页创建账号。",
		"playground.do_bind":         "绑定",
		"playground.need_ticket":     "请先执行 checkBind，取得绑定票据。",
		"playground.log":             "调用与返回",
		"playground.reset":           "清空",
		"playground.no_steps":        "还没有调用",
		"playground.no_steps_hint":   "从第 1 步开始。",
		"playground.rows":            "相关数据：",
		"playground.viewer":          "只读角色可以查看，但不能操作：调试台会写入用户、会话和绑定。",

		"error.back":              "返回控制台",
		"error.network":           "无法连接服务器，请检查网络后重试。",
		"error.status.400":        "请求有误",
		"error.status.401":        "请先登录",
		"error.status.403":        "没有权限",
		"error.status.404":        "页面不存在",
		"error.status.405":        "不支持的请求方法",
		"error.status.409":        "数据冲突",
		"error.status.413":        "上传内容过大",
		"error.status.415":        "不接受压缩的请求",
		"error.text_invalid":      "字段中含有非文本字节（无效的 UTF-8 或 NUL）",
		"error.status.422":        "请检查表单",
		"error.username_invalid":  "用户名须为 1 到 64 个字符，且不含控制字符",
		"error.password_too_long": "密码超过 1024 字节",
		"error.busy":              "同时校验的密码过多，请稍后再试",
		"error.status.429":        "请求过于频繁",
		"error.status.500":        "服务器出错了",
		"error.status.502":        "上游服务出错",
		"error.status.503":        "服务暂时不可用",
		"error.csrf":              "表单已过期，请刷新页面后重试。",
		"error.forbidden":         "当前角色无权执行此操作。",
		"error.store":             "数据库暂时无响应，请稍后重试。",
		"error.not_found_user":    "用户不存在。",
		"error.not_found_account": "账号不存在",

		"flash.signed_out":        "已退出登录。",
		"flash.session_revoked":   "已强制下线。",
		"flash.sessions_revoked":  "已强制下线 %d 个会话。",
		"flash.user_erased":       "用户已注销。",
		"flash.account_created":   "账号 %s 已创建。",
		"flash.accounts_imported": "已导入 %d 个账号。",
		"flash.password_reset":    "密码已重置。",
		"flash.account_disabled":  "账号已停用。",
		"flash.account_enabled":   "账号已启用。",
		"flash.account_unlocked":  "账号已解锁。",
		"flash.bound":             "绑定成功。",
		"flash.unbound":           "已解绑。",
		"flash.operator_created":  "操作员 %s 已创建。",
		"flash.operator_disabled": "操作员已停用。",
		"flash.operator_enabled":  "操作员已启用。",
	},
}
