package httperr

import (
	"sort"
	"strconv"
	"strings"

	"github.com/gofiber/fiber/v2"
)

// The language of `message`: Chinese or English, by the request's Accept-Language, else the
// server's default (MINIAUTH_API_LANGUAGE, put on each request by api.NewApp), else English.
// Chinese messages are written for the mini-program's user and can be shown as they are;
// English ones keep the detail a developer needs (which field was wrong).

// Languages of `message`.
const (
	LangEN = "en"
	LangZH = "zh"
)

// langLocal is the fiber.Ctx local holding the server's default language.
const langLocal = "miniauth.api_language"

// SetDefaultLanguage records the server's default language on the request (NewApp's
// middleware calls it).
func SetDefaultLanguage(c *fiber.Ctx, lang string) { c.Locals(langLocal, lang) }

// ParseLanguage reads a setting's value: "zh" or "en" (a region or case is ignored).
func ParseLanguage(v string) (string, bool) {
	switch l := strings.ToLower(strings.TrimSpace(v)); {
	case l == "zh" || strings.HasPrefix(l, "zh-") || strings.HasPrefix(l, "zh_"):
		return LangZH, true
	case l == "en" || strings.HasPrefix(l, "en-") || strings.HasPrefix(l, "en_"):
		return LangEN, true
	}
	return "", false
}

// Language picks the answer's language: the Accept-Language entry of highest quality that
// names zh or en, else the server's default, else English.
func Language(c *fiber.Ctx) string {
	if l := fromAcceptLanguage(c.Get(fiber.HeaderAcceptLanguage)); l != "" {
		return l
	}
	if l, ok := c.Locals(langLocal).(string); ok && l != "" {
		return l
	}
	return LangEN
}

func fromAcceptLanguage(h string) string {
	if h == "" {
		return ""
	}
	type entry struct {
		lang string
		q    float64
		i    int
	}
	var es []entry
	for i, part := range strings.Split(h, ",") {
		fields := strings.Split(part, ";")
		lang, ok := ParseLanguage(fields[0])
		if !ok {
			continue
		}
		q := 1.0
		for _, p := range fields[1:] {
			if v, found := strings.CutPrefix(strings.TrimSpace(p), "q="); found {
				if f, err := strconv.ParseFloat(v, 64); err == nil {
					q = f
				}
			}
		}
		if q > 0 {
			es = append(es, entry{lang, q, i})
		}
	}
	if len(es) == 0 {
		return ""
	}
	sort.SliceStable(es, func(a, b int) bool { return es[a].q > es[b].q })
	return es[0].lang
}

// zhByCode is the Chinese message of each public code, for messages zhMessages does not
// translate one by one. Every code in docs/api.md has one (TestChineseMessageForEveryCode).
var zhByCode = map[string]string{
	"invalid_request":        "请求参数有误",
	"invalid_signature":      "用户资料签名校验失败，请重新获取",
	"invalid_code":           "登录凭证无效或已过期，请重试",
	"unauthorized":           "登录已失效，请重新登录",
	"token_expired":          "登录凭证已过期，请刷新后重试",
	"invalid_ticket":         "绑定凭证无效或已过期，请重新开始绑定",
	"invalid_credentials":    "用户名或密码错误",
	"forbidden":              "没有权限进行此操作",
	"account_disabled":       "该账号已被停用，请联系平台客服",
	"user_blocked":           "该微信用户已被限制使用",
	"not_found":              "请求的内容不存在",
	"method_not_allowed":     "不支持该请求方式",
	"conflict":               "操作与现有数据冲突",
	"payload_too_large":      "上传的内容过大",
	"unsupported_media_type": "不支持压缩的请求内容",
	"rate_limited":           "操作太频繁，请稍后再试",
	"internal":               "服务器内部错误，请稍后再试",
	"store_unavailable":      "服务暂时不可用，请稍后再试",
	"upstream_unavailable":   "微信服务暂时不可用，请稍后再试",
	"server_busy":            "服务器繁忙，请稍后再试",
	"shutting_down":          "服务正在重启，请稍后再试",
}

// zhMessages translates the English messages that say more than their code's.
var zhMessages = map[string]string{
	"this WeChat user is already bound to an account: unbind it first":                          "该微信已绑定其他账号，请先解除绑定",
	"this account is already bound to another WeChat user: unbind it there, or ask an operator": "该账号已绑定其他微信，请先在那里解除绑定，或联系管理员",
	"this WeChat user is not bound to an account":                                               "该微信尚未绑定账号",
	UserBlockedMessage:                                                         "该微信用户已被停用，如有疑问请联系客服",
	"WeChat blocked this user as high-risk":                                    "该微信用户存在风险，已被微信限制",
	"introspection is off: set MINIAUTH_SERVICE_KEYS":                          "令牌查询未开启",
	"wrong username or password":                                               "用户名或密码错误",
	"this user no longer exists: log in again":                                 "该用户已不存在，请重新登录",
	"this user no longer exists":                                               "该用户已不存在",
	"refresh token was already used: the session has been ended, log in again": "登录状态已失效，请重新登录",
	"WeChat rate limit reached, retry in a minute":                             "微信接口调用太频繁，请一分钟后再试",
	"the server's WeChat configuration is wrong":                               "服务器的微信配置有误",
	"code is required: pass the code from wx.login":                            "缺少登录凭证 code",
	"avatar is larger than 5 MB":                                               "头像不能超过 5 MB",
	"request body is too large":                                                "请求内容过大",
	"no such endpoint":                                                         "接口不存在",
}

// Localize is e's message in lang.
func Localize(e *Error, lang string) string {
	if lang != LangZH {
		return e.Message
	}
	if m, ok := zhMessages[e.Message]; ok {
		return m
	}
	if m, ok := zhByCode[e.Code]; ok {
		return m
	}
	return zhByCode["internal"]
}

// ChineseFor is the Chinese message of a code ("" when there is none).
func ChineseFor(code string) string { return zhByCode[code] }
