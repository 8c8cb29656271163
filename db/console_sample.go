package db

import (
	"context"
	"crypto/rand"
	"fmt"
	mrand "math/rand/v2"
	"strings"
	"time"

	"github.com/jmoiron/sqlx"
)

// SampleOptions sizes a sample data set for trying and benchmarking the console.
type SampleOptions struct {
	AppID    string
	Users    int
	Sessions int // spread over the new users
	// Progress, when set, is told how many users and sessions are written so far.
	Progress func(users, sessions int)
}

// sampleBatch rows go in one INSERT; sampleTxRows in one transaction.
const (
	sampleBatch  = 500
	sampleTxRows = 10000
)

var (
	sampleSurnames = []rune("王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤")
	sampleGiven    = []rune("伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超秀兰霞平刚桂英华玉萍红娥玲芬燕彬鹏辉斌宇浩凯健俊帆帅旭宁龙林欣雪琳晨晓梦雨婷倩颖佳怡涵萱瑶")
	sampleEnglish  = []string{"Alice", "Bob", "Carol", "David", "Emma", "Frank", "Grace", "Henry", "Ivy", "Jack", "Kate", "Leo", "Mia", "Nick", "Olivia", "Paul", "Queenie", "Ryan", "Sophia", "Tom", "Uma", "Victor", "Wendy", "Xavier", "Yuki", "Zoe"}
	sampleCities   = [][2]string{{"Guangdong", "Shenzhen"}, {"Guangdong", "Guangzhou"}, {"Beijing", "Beijing"}, {"Shanghai", "Shanghai"}, {"Zhejiang", "Hangzhou"}, {"Sichuan", "Chengdu"}, {"Hubei", "Wuhan"}, {"Jiangsu", "Nanjing"}}
)

// sampleNickname makes a varied nickname: mostly Chinese names, some Latin handles.
func sampleNickname(r *mrand.Rand) string {
	if r.IntN(10) < 7 {
		var b strings.Builder
		b.WriteRune(sampleSurnames[r.IntN(len(sampleSurnames))])
		for n := 1 + r.IntN(2); n > 0; n-- {
			b.WriteRune(sampleGiven[r.IntN(len(sampleGiven))])
		}
		return b.String()
	}
	return fmt.Sprintf("%s_%d", sampleEnglish[r.IntN(len(sampleEnglish))], r.IntN(100000))
}

// InsertSample writes made-up WeChat users (nicknames, phones, regions, logins over the
// last 30 days) and live sessions for them, in multi-row batches, and adds their logins
// and new users to the daily rollups. Openids start with "sample-" and a run id, so runs
// add up instead of colliding.
func (s *Store) InsertSample(ctx context.Context, o SampleOptions) error {
	r := mrand.New(mrand.NewPCG(mrand.Uint64(), 42)) // not the clock: a test clock stands still
	run := fmt.Sprintf("sample-%x", r.Uint32())
	now := s.now()
	perDay := map[string][2]int64{} // day -> logins, new users
	var ids []int64
	for done := 0; done < o.Users; {
		n := min(sampleTxRows, o.Users-done)
		err := s.tx(ctx, "insert sample users", func(tx *sqlx.Tx) error {
			for i := 0; i < n; i += sampleBatch {
				m := min(sampleBatch, n-i)
				args := make([]any, 0, m*10)
				for j := 0; j < m; j++ {
					k := done + i + j
					created := now.Add(-time.Duration(r.Int64N(int64(30 * 24 * time.Hour))))
					login := created.Add(time.Duration(r.Int64N(int64(now.Sub(created)) + 1)))
					phone := ""
					if r.IntN(10) < 6 {
						phone = fmt.Sprintf("1%d%09d", 3+r.IntN(7), r.IntN(1_000_000_000))
					}
					city := sampleCities[r.IntN(len(sampleCities))]
					args = append(args, o.AppID, fmt.Sprintf("%s-%07d", run, k), sampleNickname(r), 1+r.IntN(2),
						city[0], city[1], "China", phone, created.UnixMilli(), login.UnixMilli())
					d := perDay[statDay(created)]
					d[1]++
					perDay[statDay(created)] = d
				}
				rows, err := s.rows(ctx, tx, `INSERT INTO wx_users (appid, openid, nickname, gender, province, city,
					country, phone, created_at, last_login_at) VALUES `+valuesList(m, 10)+` RETURNING id`, args...)
				if err != nil {
					return err
				}
				for rows.Next() {
					var id int64
					if err := rows.Scan(&id); err != nil {
						rows.Close()
						return err
					}
					ids = append(ids, id)
				}
				if err := rows.Close(); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			return err
		}
		done += n
		if o.Progress != nil {
			o.Progress(done, 0)
		}
	}
	if len(ids) == 0 && o.Sessions > 0 {
		return fmt.Errorf("db: sample sessions need sample users")
	}
	for done := 0; done < o.Sessions; {
		n := min(sampleTxRows, o.Sessions-done)
		err := s.tx(ctx, "insert sample sessions", func(tx *sqlx.Tx) error {
			for i := 0; i < n; i += sampleBatch {
				m := min(sampleBatch, n-i)
				args := make([]any, 0, m*11)
				hashes := make([]byte, 64*m)
				_, _ = rand.Read(hashes)
				for j := 0; j < m; j++ {
					created := now.Add(-time.Duration(r.Int64N(int64(7 * 24 * time.Hour))))
					seen := created.Add(time.Duration(r.Int64N(int64(now.Sub(created)) + 1)))
					args = append(args, hashes[64*j:64*j+32], hashes[64*j+32:64*j+64], ids[r.IntN(len(ids))], o.AppID,
						fmt.Sprintf("10.%d.%d.%d", r.IntN(256), r.IntN(256), r.IntN(256)),
						"Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) MicroMessenger/8.0.47",
						created.UnixMilli(), seen.UnixMilli(), now.Add(2*time.Hour).UnixMilli(),
						seen.Add(720*time.Hour).UnixMilli(), created.Add(4320*time.Hour).UnixMilli())
					d := perDay[statDay(created)]
					d[0]++
					perDay[statDay(created)] = d
				}
				if _, err := s.exec(ctx, tx, `INSERT INTO sessions (token_hash, refresh_hash, wx_user_id, appid, ip,
					user_agent, created_at, last_seen_at, access_expires_at, idle_expires_at, max_expires_at)
					VALUES `+valuesList(m, 11), args...); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			return err
		}
		done += n
		if o.Progress != nil {
			o.Progress(len(ids), done)
		}
	}
	err := s.tx(ctx, "sample daily stats", func(tx *sqlx.Tx) error {
		for day, d := range perDay {
			if _, err := s.exec(ctx, tx, `INSERT INTO daily_stats (day, shard, logins, new_users) VALUES (?, 0, ?, ?)
				ON CONFLICT (day, shard) DO UPDATE SET logins = daily_stats.logins + excluded.logins,
				new_users = daily_stats.new_users + excluded.new_users`, day, d[0], d[1]); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	// Fresh statistics after a bulk load: without them the planner guesses, and a guess
	// that ANDs a bitmap of every live session costs a detail page tens of milliseconds.
	_, err = s.w.ExecContext(ctx, "ANALYZE")
	return wrap("sample: analyze", err)
}

// valuesList is "(?, ?), (?, ?)" for rows rows of cols placeholders.
func valuesList(rows, cols int) string {
	one := "(" + strings.TrimSuffix(strings.Repeat("?, ", cols), ", ") + ")"
	return strings.TrimSuffix(strings.Repeat(one+", ", rows), ", ")
}
