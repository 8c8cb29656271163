// Package views renders the operator console: templ page components and the plain view
// models they take. The web layer builds the view models from the store; nothing here
// knows about the database.
//
// Every page takes a Page (the parts common to all pages) and its own view model. Every
// state-changing control is a <form method="post"> carrying a hidden "csrf" input with
// Page.CSRFToken, so the console works without JavaScript; htmx (hx-boost on the body,
// hx-confirm on destructive forms) only makes it smoother. Change controls are rendered
// only when Page.CanChange reports an admin; the server must refuse viewers anyway.
//
// Phone numbers reach the views already masked. Tokens, refresh tokens, bind tickets and
// session_keys have no field in any view model.
package views

// Operator roles, as stored by the web layer.
const (
	RoleAdmin  = "admin"
	RoleViewer = "viewer"
)

// Nav names the console section a page belongs to; the navigation highlights it.
type Nav string

// The console's sections.
const (
	NavNone       Nav = ""
	NavOverview   Nav = "overview"
	NavUsers      Nav = "users"
	NavAccounts   Nav = "accounts"
	NavBindings   Nav = "bindings"
	NavSessions   Nav = "sessions"
	NavAudit      Nav = "audit"
	NavOperators  Nav = "operators"
	NavApps       Nav = "apps"
	NavPlayground Nav = "playground"
	NavIntegrate  Nav = "integrate"
	NavAPIRef     Nav = "apiref"
)

// Operator is the signed-in operator as the header shows them.
type Operator struct {
	ID       int64
	Username string
	Name     string // display name; Username is shown when empty
	Role     string // RoleAdmin or RoleViewer
}

// DisplayName is the name the header shows.
func (o Operator) DisplayName() string {
	if o.Name != "" {
		return o.Name
	}
	return o.Username
}

// FlashKind says how a flash message is coloured.
type FlashKind string

// Flash kinds.
const (
	FlashSuccess FlashKind = "success"
	FlashError   FlashKind = "error"
	FlashInfo    FlashKind = "info"
)

// Flash is a one-time message shown at the top of the next page, typically after a
// POST-redirect-GET ("session revoked"). Message is display text, already translated
// (for example with T(lang, "flash.session_revoked")). No flash when Message is empty.
type Flash struct {
	Kind    FlashKind
	Message string
}

// Page is what every page needs besides its own view model.
type Page struct {
	Lang      string   // "zh" or "en"; anything else renders as English
	Title     string   // page title; empty means the section's name
	Operator  Operator // zero value on the sign-in page and for signed-out error pages
	CSRFToken string   // goes into the hidden "csrf" input of every POST form
	Flash     Flash
	Simulator bool // simulator mode: a loud banner, and the playground in the navigation
	Nav       Nav
	// CurrentPath is this request's path and query (e.g. "/admin/users?q=li"). The
	// language switch returns to it, and some forms send it back as "back".
	CurrentPath string
	// PageSize is the list's rows per page (?size=, one of PageSizes); 0 means the
	// default, DefaultPageSize.
	PageSize int
}

// PageSizes are the lists' page-size choices; DefaultPageSize is used without ?size=.
var PageSizes = []int{20, 50, 100}

// DefaultPageSize is a list's page size when none is chosen.
const DefaultPageSize = 50

// SignedIn reports whether an operator is signed in, i.e. whether to draw the navigation.
func (p Page) SignedIn() bool { return p.Operator.Username != "" }

// CanChange reports whether change controls are drawn: only for admins.
func (p Page) CanChange() bool { return p.Operator.Role == RoleAdmin }

// lang is the page's language, normalised to a catalogue language.
func (p Page) lang() string { return normLang(p.Lang) }

// title is the text of the <title> element and of the page heading.
func (p Page) title() string {
	if p.Title != "" {
		return p.Title
	}
	if p.Nav != NavNone {
		return T(p.Lang, "nav."+string(p.Nav))
	}
	return "miniauth"
}
