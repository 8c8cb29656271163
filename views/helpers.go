package views

import "net/url"

// t is T for the page's language; templates use it for every label.
func t(p Page, key string) string { return T(p.Lang, key) }

// htmlLang is the value of <html lang> for a catalogue language.
func htmlLang(lang string) string {
	if normLang(lang) == "zh" {
		return "zh-CN"
	}
	return "en"
}

// otherLang is the language the switch offers.
func otherLang(lang string) string {
	if normLang(lang) == "zh" {
		return "en"
	}
	return "zh"
}

func flashKind(k FlashKind) string {
	switch k {
	case FlashSuccess, FlashError:
		return string(k)
	}
	return string(FlashInfo)
}

// actionLabel translates an audit action code, or shows the code when the catalogue has
// no label for it.
func actionLabel(lang, action string) string {
	if s, ok := lookup(lang, "audit.action."+action); ok {
		return s
	}
	return action
}

func roleLabel(lang, role string) string {
	if s, ok := lookup(lang, "role."+role); ok {
		return s
	}
	return role
}

func genderLabel(lang string, g int) string {
	switch g {
	case 1:
		return T(lang, "gender.male")
	case 2:
		return T(lang, "gender.female")
	}
	return T(lang, "gender.unknown")
}

// errorTitle names an HTTP status in the page's language.
func errorTitle(lang string, status int) string {
	switch status {
	case 400, 401, 403, 404, 405, 409, 413, 415, 422, 429, 500, 502, 503:
		return T(lang, "error.status."+itoa(status))
	}
	if status >= 500 {
		return T(lang, "error.status.500")
	}
	return T(lang, "error.status.400")
}

func errorBack(e ErrorView) string {
	if e.BackURL == "" {
		return PathOverview
	}
	return SafeBack(e.BackURL)
}

func joinNonEmpty(sep string, parts ...string) string {
	out := ""
	for _, s := range parts {
		if s == "" {
			continue
		}
		if out != "" {
			out += sep
		}
		out += s
	}
	return out
}

// qValues is a lone search query as query parameters.
func qValues(q string) url.Values {
	v := url.Values{}
	setNonEmpty(v, "q", q)
	return v
}

// simUserOr proposes a simulated person's name when none was chosen yet.
func simUserOr(u string) string {
	if u == "" {
		return "alice"
	}
	return u
}

func statusBadge(status int) string {
	switch {
	case status >= 200 && status < 300:
		return "badge-green"
	case status >= 400 && status < 500:
		return "badge-amber"
	}
	return "badge-red"
}

// userDetailTitle names the detail page after the user unless the handler chose a title.
func userDetailTitle(p Page, u UserProfile) Page {
	if p.Title == "" {
		name := u.Nickname
		if name == "" {
			name = "#" + id(u.ID)
		}
		p.Title = Tf(p.Lang, "user.title", name)
	}
	return p
}

// onOff is "on" or "off", for data attributes tests read.
func onOff(b bool) string {
	if b {
		return "on"
	}
	return "off"
}
