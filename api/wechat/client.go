// Package wechat is a client for WeChat's mini-program server API (code2Session, access
// tokens, checkSessionKey, getPhoneNumber) and the helpers that check and decrypt the data a
// mini-program hands over (rawData signatures, encryptedData).
//
// WeChat answers HTTP 200 even on failure and reports errors as a non-zero errcode in the
// body, whatever the Content-Type says; the client matches on errcode only. Transient
// failures (errcode -1, network errors, timeouts, bodies that are not the expected JSON) are
// retried with exponential backoff and jitter; when retries run out the error wraps
// ErrUnavailable. Codes, secrets, session keys and access tokens never appear in an error
// string or a log line.
package wechat

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"golang.org/x/sync/singleflight"
)

// DefaultBaseURL is WeChat's API host.
const DefaultBaseURL = "https://api.weixin.qq.com"

// maxBody caps how much of an answer is read; real answers are a few hundred bytes.
const maxBody = 1 << 20

// Config configures a Client. Only AppID and Secret are required.
type Config struct {
	AppID, Secret string
	// BaseURL is where the API lives; default DefaultBaseURL. A trailing slash is ignored.
	BaseURL string
	// HTTPClient sends the requests; default a keep-alive client with a 5 s timeout.
	HTTPClient *http.Client
	// MaxRetries is how many times a transient failure is retried after the first try;
	// default 2. Negative means no retries.
	MaxRetries int
	// Backoff is the wait before the first retry, doubled for each further one, with
	// jitter; default 100 ms.
	Backoff time.Duration
	// Logger receives retry and failure lines; default discards them.
	Logger *slog.Logger
	// Observer, when not nil, is told of every HTTP request sent to WeChat (each try).
	Observer Observer
}

// Observer is told of each request the client sends to WeChat, once it is answered or has
// failed: which API, how long it took, and its outcome: "ok", "errcode" (WeChat answered
// errcode, non-zero), "transport_error" (no answer: network, timeout, cancelled) or
// "bad_answer" (an answer that is not the expected JSON). It must be safe for concurrent
// use and fast; metrics implement it. It is never given the request's secrets.
type Observer interface {
	ObserveWeChat(api string, took time.Duration, outcome string, errcode int)
}

// Client calls WeChat's server API for one mini-program. It is safe for concurrent use.
type Client struct {
	appID, secret string
	base          string
	hc            *http.Client
	maxRetries    int
	backoff       time.Duration
	log           *slog.Logger
	obs           Observer
	flightLimit   time.Duration

	logins singleflight.Group

	tokenMu    sync.Mutex // guards token and tokenUntil
	token      string
	tokenUntil time.Time
	refresh    chan struct{} // a slot: one token refresh at a time
	now        func() time.Time
}

// New returns a Client for cfg, filling in defaults.
func New(cfg Config) *Client {
	c := &Client{
		appID:      cfg.AppID,
		secret:     cfg.Secret,
		base:       strings.TrimRight(cfg.BaseURL, "/"),
		hc:         cfg.HTTPClient,
		maxRetries: cfg.MaxRetries,
		backoff:    cfg.Backoff,
		log:        cfg.Logger,
		obs:        cfg.Observer,
		now:        time.Now,
		refresh:    make(chan struct{}, 1),
	}
	if c.base == "" {
		c.base = DefaultBaseURL
	}
	if c.hc == nil {
		c.hc = defaultHTTPClient()
	}
	switch {
	case cfg.MaxRetries == 0:
		c.maxRetries = 2
	case cfg.MaxRetries < 0:
		c.maxRetries = 0
	}
	if c.backoff <= 0 {
		c.backoff = 100 * time.Millisecond
	}
	if c.log == nil {
		c.log = slog.New(slog.DiscardHandler)
	}
	// A shared login exchange runs detached from the first caller's context (so one
	// impatient caller does not fail the others), but never longer than all its tries could.
	perTry := c.hc.Timeout
	if perTry <= 0 {
		perTry = 10 * time.Second
	}
	c.flightLimit = time.Duration(c.maxRetries+1)*perTry + c.backoff<<(c.maxRetries+1)
	return c
}

func defaultHTTPClient() *http.Client {
	t := &http.Transport{
		Proxy:                 http.ProxyFromEnvironment,
		DialContext:           (&net.Dialer{Timeout: 3 * time.Second, KeepAlive: 30 * time.Second}).DialContext,
		ForceAttemptHTTP2:     true,
		MaxIdleConns:          512,
		MaxIdleConnsPerHost:   256,
		IdleConnTimeout:       90 * time.Second,
		TLSHandshakeTimeout:   3 * time.Second,
		ExpectContinueTimeout: time.Second,
	}
	return &http.Client{Transport: t, Timeout: 5 * time.Second}
}

// AppID is the mini-program this client speaks for.
func (c *Client) AppID() string { return c.appID }

// Error is an errcode answer from WeChat. Msg is WeChat's errmsg, which carries no secrets.
type Error struct {
	API  string // which call answered, e.g. "jscode2session"
	Code int
	Msg  string
}

// Error names the API and errcode; it never contains the request's secrets.
func (e *Error) Error() string {
	return fmt.Sprintf("wechat: %s: errcode %d: %s", e.API, e.Code, e.Msg)
}

// ErrUnavailable means WeChat could not give an answer: timeouts, network errors, garbage
// bodies or errcode -1 that outlasted the retries, or a 40163 on a retry of ours (the lost
// first try may have spent the code). Errors wrapping it may also wrap the last *Error.
var ErrUnavailable = errors.New("wechat: upstream unavailable")

// unavailable is the error returned when retries run out.
type unavailable struct {
	api   string
	tries int
	last  error // scrubbed of secrets; may be *Error
}

// Error says which API gave up after how many tries, and why.
func (u *unavailable) Error() string {
	return fmt.Sprintf("wechat: %s: upstream unavailable after %d tries: %v", u.api, u.tries, u.last)
}

// Unwrap exposes ErrUnavailable and the last failure.
func (u *unavailable) Unwrap() []error { return []error{ErrUnavailable, u.last} }

// errGarbage marks an answer that is not the JSON the API promises.
var errGarbage = errors.New("answer is not the expected JSON")

// call is one request description; query and body may hold secrets and must never be
// printed. path is safe to print.
type call struct {
	api    string
	method string
	path   string
	query  url.Values
	body   any
}

// once sends one request and decodes the answer into out (which must have an errcode
// field reachable through the envelope). It returns the errcode envelope, or a transport or
// garbage error that never contains the URL's query.
func (c *Client) once(ctx context.Context, k call, out any) (envelope, error) {
	start := time.Now()
	env, err := c.send(ctx, k, out)
	if c.obs != nil {
		outcome := "ok"
		switch {
		case errors.Is(err, errGarbage):
			outcome = "bad_answer"
		case err != nil:
			outcome = "transport_error"
		case env.Code != 0:
			outcome = "errcode"
		}
		c.obs.ObserveWeChat(k.api, time.Since(start), outcome, env.Code)
	}
	return env, err
}

// send is once without the observer.
func (c *Client) send(ctx context.Context, k call, out any) (envelope, error) {
	u := c.base + k.path
	if len(k.query) > 0 {
		u += "?" + k.query.Encode()
	}
	var body io.Reader
	if k.body != nil {
		b, err := json.Marshal(k.body)
		if err != nil {
			return envelope{}, fmt.Errorf("encode %s body: %w", k.path, err)
		}
		body = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, k.method, u, body)
	if err != nil {
		return envelope{}, fmt.Errorf("build %s request: %w", k.path, scrub(err, k.path))
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	req.Header.Set("Accept", "application/json")
	resp, err := c.hc.Do(req)
	if err != nil {
		return envelope{}, scrub(err, k.path)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(io.LimitReader(resp.Body, maxBody))
	if err != nil {
		return envelope{}, fmt.Errorf("%s %s: read answer: %w", k.method, k.path, scrub(err, k.path))
	}
	if resp.StatusCode != http.StatusOK {
		return envelope{}, fmt.Errorf("%s %s: HTTP %d: %w", k.method, k.path, resp.StatusCode, errGarbage)
	}
	var env envelope
	if err := json.Unmarshal(raw, &env); err != nil {
		return envelope{}, fmt.Errorf("%s %s: %w", k.method, k.path, errGarbage)
	}
	if env.Code != 0 {
		return env, nil
	}
	if out != nil {
		if err := json.Unmarshal(raw, out); err != nil {
			return envelope{}, fmt.Errorf("%s %s: %w", k.method, k.path, errGarbage)
		}
	}
	return env, nil
}

// envelope is the error part every answer may carry.
type envelope struct {
	Code int    `json:"errcode"`
	Msg  string `json:"errmsg"`
}

// scrub strips the URL (whose query holds the code, secret or access token) from a
// transport error, keeping only the path.
func scrub(err error, path string) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		return &scrubbedError{op: ue.Op, path: path, err: ue.Err}
	}
	return err
}

// scrubbedError is a *url.Error without the query string.
type scrubbedError struct {
	op, path string
	err      error
}

// Error is the transport error with the path instead of the full URL.
func (e *scrubbedError) Error() string { return fmt.Sprintf("%s %s: %v", e.op, e.path, e.err) }

// Unwrap keeps errors.Is working on the underlying network error.
func (e *scrubbedError) Unwrap() error { return e.err }

// attempt is what one try produced, classified for the retry loop.
type attempt struct {
	env       envelope
	err       error // transport or garbage error; nil when env is an answer
	transient bool  // worth retrying
	tries     int   // how many tries were made, this one included
	retried   bool  // an earlier try failed without a usable answer
}

func classify(env envelope, err error) attempt {
	if err != nil {
		return attempt{err: err, transient: true}
	}
	return attempt{env: env, transient: env.Code == -1}
}

// sleep waits the backoff before retry number n (1-based), or until ctx ends.
func (c *Client) sleep(ctx context.Context, n int) error {
	d := c.backoff << (n - 1)
	d = d/2 + rand.N(d) // jitter: 0.5x to 1.5x
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// retry runs try until it gives a non-transient outcome or the retries run out; try gets
// the 0-based try number. When the loop gives up, the error wraps ErrUnavailable (and
// ctx's error if ctx ended).
func (c *Client) retry(ctx context.Context, api string, try func(n int) attempt) (attempt, error) {
	var last attempt
	for n := 0; n <= c.maxRetries; n++ {
		if n > 0 {
			if err := c.sleep(ctx, n); err != nil {
				return last, c.giveUp(api, n, last, err)
			}
		}
		last = try(n)
		last.tries, last.retried = n+1, n > 0
		if !last.transient {
			return last, nil
		}
		if err := ctx.Err(); err != nil {
			return last, c.giveUp(api, n+1, last, err)
		}
		c.log.WarnContext(ctx, "wechat call failed, will retry if tries remain", "api", api, "try", n+1,
			"errcode", last.env.Code, "err", last.err)
	}
	return last, c.giveUp(api, c.maxRetries+1, last, nil)
}

func (c *Client) giveUp(api string, tries int, last attempt, ctxErr error) error {
	cause := last.err
	if cause == nil && last.env.Code != 0 {
		cause = &Error{API: api, Code: last.env.Code, Msg: last.env.Msg}
	}
	if cause == nil {
		cause = ctxErr
	}
	if ctxErr != nil && cause != ctxErr {
		cause = fmt.Errorf("%w (then: %w)", cause, ctxErr)
	}
	err := &unavailable{api: api, tries: tries, last: cause}
	c.log.Error("wechat call gave up", "api", api, "tries", tries, "err", cause)
	return err
}
