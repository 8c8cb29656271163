package wxsim

import (
	"testing"
	"time"
)

func TestExpiredCodesAreForgotten(t *testing.T) {
	now := time.Unix(1_700_000_000, 0)
	s := New(Options{Apps: []App{{AppID: "wxa", Secret: "s"}}, Now: func() time.Time { return now }})
	s.mu.Lock()
	u := s.person("wxa", "vic", deriveID(s.secret, "wxa", "vic"))
	for range 1000 {
		s.issueCode(u, newLoginCode())
		s.issuePhoneCode(newPhoneCode(), &phoneCode{u: u, pure: "1", phone: "1", cc: "86"})
	}
	s.mu.Unlock()
	now = now.Add(codeTTL)
	s.mu.Lock()
	s.issueCode(u, newLoginCode())
	s.issuePhoneCode(newPhoneCode(), &phoneCode{u: u, pure: "1", phone: "1", cc: "86"})
	codes, queue, phones := len(s.st.codes), len(s.st.codeQ), len(s.st.phones)
	s.mu.Unlock()
	if codes != 1 || queue != 1 || phones != 1 {
		t.Fatalf("expired codes kept: %d codes, %d queued, %d phone codes", codes, queue, phones)
	}
}

// BenchmarkLoginExchange measures the simulator's state work for one wx.login plus one
// code2Session, without HTTP: the part that runs under the mutex.
func BenchmarkLoginExchange(b *testing.B) {
	s := New(Options{Apps: []App{{AppID: "wxa", Secret: "s"}}, UserRateLimit: -1})
	openid := deriveID(s.secret, "wxa", "bench")
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			code, key := newLoginCode(), newSessionKey()
			s.mu.Lock()
			s.issueCode(s.person("wxa", "bench", openid), code)
			_, errcode := s.exchange("wxa", "s", code, key)
			s.mu.Unlock()
			if errcode != 0 {
				b.Fatal(errcode)
			}
		}
	})
}
