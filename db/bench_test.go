package db_test

import (
	"context"
	"sync/atomic"
	"testing"
	"time"

	"miniauth/db"
	"miniauth/db/dbtest"
)

// BenchmarkLogin measures code logins (upsert user, new session, rollup) from parallel
// callers: new users and returning ones, as in production.
func BenchmarkLogin(b *testing.B) {
	for _, d := range dbtest.Dialects {
		b.Run(d, func(b *testing.B) {
			s := dbtest.Open(b, d)
			var n atomic.Int64
			b.SetParallelism(benchParallelism)
			b.ResetTimer()
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					i := int(n.Add(1))
					if i%2 == 0 {
						i /= 2 // a returning user
					}
					_, _, err := s.Login(context.Background(), db.LoginInput{AppID: testAppID, OpenID: openid(i),
						SessionKey: "key", Session: newSession()})
					if err != nil {
						b.Fatal(err)
					}
				}
			})
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "logins/s")
		})
	}
}

// BenchmarkCheckToken measures the token check of every authenticated call on a warm cache.
func BenchmarkCheckToken(b *testing.B) {
	for _, d := range dbtest.Dialects {
		b.Run(d, func(b *testing.B) {
			s := dbtest.Open(b, d)
			const users = 1000
			hashes := make([][]byte, users)
			for i := range users {
				_, _, ns := login(b, s, openid(i), "k", time.Now())
				hashes[i] = ns.TokenHash
			}
			var n atomic.Int64
			b.ResetTimer()
			b.RunParallel(func(pb *testing.PB) {
				ctx := context.Background()
				for pb.Next() {
					h := hashes[n.Add(1)%users]
					if _, err := s.CheckToken(ctx, h); err != nil {
						b.Fatal(err)
					}
				}
			})
		})
	}
}

// benchParallelism is goroutines per core in the login benchmark: an HTTP server has
// many requests in flight, and PostgreSQL batches their commits.
const benchParallelism = 16
