package db

import (
	"context"
	"errors"
	"time"
)

// TicketTTL is how long a bind ticket lives.
const TicketTTL = 10 * time.Minute

// TicketMaxFailures is how many wrong passwords kill a bind ticket.
const TicketMaxFailures = 5

// CheckBindInput is one completed code exchange on checkBind: the user, the session to start
// if they are bound, and the ticket to store if they are not.
type CheckBindInput struct {
	LoginInput
	TicketHash []byte // SHA-256 of the raw ticket, which only the client gets
}

// CheckBindResult is what checkBind found. Bound users have a new Session carrying their
// account; the others have a ticket, stored until TicketExpiresAt.
type CheckBindResult struct {
	User            WxUser
	AccountID       int64   // 0: not bound
	Session         Session // the new session when bound
	TicketExpiresAt time.Time
}

// CheckBind records a code exchange in one write transaction: the WeChat user is upserted
// as Login does; a bound user gets a new session carrying the account (counted as a login);
// an unbound one gets a bind ticket of TicketTTL (only its hash is stored, never the
// openid in its place) and no session. A disabled user is ErrUserDisabled.
func (s *Store) CheckBind(ctx context.Context, in CheckBindInput) (CheckBindResult, error) {
	if len(in.TicketHash) == 0 {
		return CheckBindResult{}, errors.New("check bind: no ticket hash")
	}
	return s.codeLogin(ctx, "check bind", in.LoginInput, in.TicketHash)
}

// BindTicket is a live bind ticket: which WeChat user it lets bind.
type BindTicket struct {
	WxUserID  int64
	AppID     string
	ExpiresAt time.Time
	Failures  int
}
