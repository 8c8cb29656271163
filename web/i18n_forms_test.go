package web

import (
	"strings"
	"testing"

	"miniauth/views"
)

// Stored audit details and import refusals, as the store writes them, read in Chinese:
// no English left, the values kept. Removing a form (or its label) turns it red.
func TestStoredTextInChinese(t *testing.T) {
	for _, c := range []struct{ got, want string }{
		{auditDetail(views.LangZH, "console sessions ended: 2"), "强制下线的控制台登录：2"},
		{auditDetail(views.LangZH, "role viewer; console sessions ended: 1"), "角色 只读；强制下线的控制台登录：1"},
		{auditDetail(views.LangZH, "sessions revoked: 3"), "强制下线的会话：3"},
		{auditDetail(views.LangZH, `wrong password or unknown operator "bob"`), "密码错误或操作员不存在：“bob”"},
		{auditDetail(views.LangZH, `wrong password or unknown operator "admin"`), "密码错误或操作员不存在：“admin”"},
		{auditDetail(views.LangZH, "username zhangsan"), "用户名 zhangsan"},
		{auditDetail(views.LangZH, `10 failed sign-ins for "bob" within 15m0s: refused until they age out`), "15 分钟内“bob”登录失败 10 次：在失败记录过期前拒绝登录"},
		{auditDetail(views.LangZH, "bound to account 7 (zhangsan) by an operator"), "由操作员绑定到账号 7（zhangsan）"},
		{auditDetail(views.LangZH, "with a recovery code (9 left)"), "使用恢复码（剩余 9 个）"},
		{auditDetail(views.LangZH, `name "default"; enabled true; unionid link false`), "名称“default”；启用：是；按 unionid 关联：否"},
		{auditDetail(views.LangZH, "unionid link true"), "按 unionid 关联：是"},
		{auditDetail(views.LangZH, `name "商城"`), "名称“商城”"},
		{auditDetail(views.LangZH, "secret replaced"), "已更换 AppSecret"},
		{auditDetail(views.LangZH, "bound to account 7, linked by unionid from app wx5151515151515151 (wx_user:3)"), "按 unionid 关联绑定到账号 7，来自小程序 wx5151515151515151（微信用户 3）"},
		{auditDetail(views.LangZH, "username true"), "用户名 true"},
		{auditDetail(views.LangZH, "binding to account 7 removed; sessions revoked: 2; reason: 用户申请"), "已解除绑定账号 7；强制下线的会话：2；原因：用户申请"},
		{auditDetail(views.LangZH, "bound to account 7 (zhangsan) by an operator; reason: 客服核实"), "由操作员绑定到账号 7（zhangsan）；原因：客服核实"},
		{auditDetail(views.LangEN, "console sessions ended: 2"), "Console sessions signed out: 2"},
		{auditWho(views.LangZH, "operator", "admin"), "操作员 admin"},
		{auditWho(views.LangZH, "ip", "198.51.100.1"), "地址 198.51.100.1"},
		{auditWho(views.LangZH, "app", "wx5151515151515151"), "小程序 wx5151515151515151"},
		{auditWho(views.LangZH, "username", "zhangsan"), "用户名 zhangsan"},
		{importReason(views.LangZH, "username already exists"), "用户名已存在"},
		{importReason(views.LangZH, "username repeats line 3"), "用户名与第 3 行重复"},
		{importReason(views.LangEN, "username repeats line 3"), "username repeats line 3"},
	} {
		if c.got != c.want {
			t.Errorf("got %q, want %q", c.got, c.want)
		}
	}
	for _, f := range append(auditDetailForms, importReasonForms...) {
		for _, lang := range []string{views.LangEN, views.LangZH} {
			if s := views.T(lang, f.key); s == f.key || (lang == views.LangZH && !strings.ContainsFunc(s, func(r rune) bool { return r > 0x2e80 })) {
				t.Errorf("%s: no %s label (%q)", f.key, lang, s)
			}
		}
	}
}
