package db

import (
	"cmp"
	"context"
	"crypto/rand"
	"encoding/base64"
	"fmt"
	"math"
	mrand "math/rand/v2"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/jmoiron/sqlx"
)

// SampleOptions sizes a sample data set for trying and benchmarking the console.
type SampleOptions struct {
	AppID    string
	Users    int
	Sessions int // spread over the new users; some live, some revoked, some expired
	Days     int // how far back sign-ups and the daily history reach; 0 means 180
	// Progress, when set, is told what has been written so far ("users", 20000).
	Progress func(what string, done int)
}

// The shares of the sample, per mille. About 30% of the users are bound, each to an
// account made for them; a few more accounts are bound to nobody.
const (
	sampleBoundPermille           = 300
	samplePhonePermille           = 450
	sampleUnionPermille           = 200
	sampleDisabledPermille        = 5
	sampleErasedPermille          = 3
	sampleSpareAccountsPermille   = 50 // accounts bound to nobody, per user
	sampleAccountDisabledPermille = 10
	sampleLogoutPermille          = 120 // sessions ended by a logout
	sampleExpiredPermille         = 250 // sessions that ran out (idle) long ago
)

// sampleMaxParams bounds the placeholders of one multi-row INSERT (SQLite allows 32,766,
// PostgreSQL 65,535); sampleTxRows rows go in one transaction.
const (
	sampleMaxParams = 30000
	sampleTxRows    = 20000
)

var (
	// Surnames and given-name characters roughly in order of frequency; samplePick favours
	// the front of a list, as real names do (王, 李, 张 and 刘 are each about 5–7%).
	sampleSurnames = []rune("王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤欧阳上官司马")
	sampleGiven    = []rune("伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀兰霞平刚桂英华玉萍红娥玲芬燕彬鹏辉斌宇浩凯健俊帆帅旭宁龙林欣雪琳晨晓梦雨婷倩颖佳怡涵萱瑶子轩博文思彤一诺梓睿泽")
	samplePrefix   = []rune("小阿老")
	sampleSingle   = []rune("鱼风雨云月星木火水山竹兰梅菊墨白")
	sampleWords    = []string{"快乐", "阳光", "小猪", "星星", "月亮", "追梦", "人生", "如意", "平安", "幸福", "微笑", "守候",
		"一生", "的", "小鱼", "猫咪", "奶茶", "清风", "明天", "岁月", "静好", "向日葵", "不忘初心", "努力", "加油", "旅行", "花开", "半夏", "南风", "故事"}
	sampleLatin = []string{"Alice", "Bob", "Carol", "David", "Emma", "Frank", "Grace", "Henry", "Ivy", "Jack", "Kate", "Leo",
		"Mia", "Nick", "Olivia", "Paul", "Ryan", "Sophia", "Tom", "Uma", "Victor", "Wendy", "Yuki", "Zoe", "Amy", "Kevin", "Lily", "Coco"}
	sampleEmoji  = []string{"🌸", "🍀", "🐟", "🌙", "⭐", "🐱", "🍓", "☀️", "🌈", "🐼"}
	sampleCities = [][2]string{{"Guangdong", "Shenzhen"}, {"Guangdong", "Guangzhou"}, {"Beijing", "Beijing"}, {"Shanghai", "Shanghai"},
		{"Zhejiang", "Hangzhou"}, {"Sichuan", "Chengdu"}, {"Hubei", "Wuhan"}, {"Jiangsu", "Nanjing"}, {"Shaanxi", "Xi'an"}, {"Hunan", "Changsha"}}
	sampleAgents = []string{
		"Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148 MicroMessenger/8.0.47",
		"Mozilla/5.0 (Linux; Android 13; V2227A) AppleWebKit/537.36 (KHTML, like Gecko) Mobile Safari/537.36 MicroMessenger/8.0.45",
		"Mozilla/5.0 (Linux; Android 12; M2012K11AC) AppleWebKit/537.36 (KHTML, like Gecko) Mobile Safari/537.36 MicroMessenger/8.0.44",
	}
)

// samplePick picks from a list of n, favouring the front (about a square law).
func samplePick(r *mrand.Rand, n int) int {
	u := r.Float64()
	return min(n-1, int(u*u*float64(n)))
}

func sampleName(r *mrand.Rand, given int) string {
	var b strings.Builder
	b.WriteRune(sampleSurnames[samplePick(r, len(sampleSurnames))])
	for ; given > 0; given-- {
		b.WriteRune(sampleGiven[samplePick(r, len(sampleGiven))])
	}
	return b.String()
}

// sampleNickname makes a nickname as WeChat users have them: mostly Chinese names of two
// or three characters, nicknames like 小王 and 婷婷, phrases of up to eight characters,
// single characters, Latin handles, emoji, the "微信用户" WeChat gives when the user
// shared no profile, and none at all.
func sampleNickname(r *mrand.Rand) string {
	switch p := r.IntN(1000); {
	case p < 80:
		return ""
	case p < 130:
		return "微信用户"
	case p < 530:
		return sampleName(r, 1+r.IntN(2))
	case p < 620:
		if r.IntN(2) == 0 {
			return string(samplePrefix[r.IntN(len(samplePrefix))]) + string(sampleSurnames[samplePick(r, len(sampleSurnames))])
		}
		return string(samplePrefix[r.IntN(len(samplePrefix))]) + string(sampleGiven[samplePick(r, len(sampleGiven))])
	case p < 680:
		g := sampleGiven[samplePick(r, len(sampleGiven))]
		if r.IntN(2) == 0 {
			return string([]rune{g, g})
		}
		return string([]rune{g, sampleGiven[samplePick(r, len(sampleGiven))]})
	case p < 760:
		var b []rune
		for len(b) < 4 {
			b = append(b, []rune(sampleWords[r.IntN(len(sampleWords))])...)
		}
		return string(b[:min(len(b), 8)])
	case p < 780:
		return string(sampleSingle[r.IntN(len(sampleSingle))])
	case p < 900:
		l := sampleLatin[samplePick(r, len(sampleLatin))]
		switch r.IntN(4) {
		case 0:
			return l
		case 1:
			return strings.ToLower(l) + "_" + strconv.Itoa(r.IntN(100))
		case 2:
			return l + strconv.Itoa(1980+r.IntN(45))
		default:
			return strings.ToLower(l)
		}
	case p < 960:
		e := sampleEmoji[r.IntN(len(sampleEmoji))]
		if r.IntN(2) == 0 {
			return e + string(samplePrefix[0]) + string(sampleGiven[samplePick(r, len(sampleGiven))])
		}
		return sampleName(r, 1) + e
	default:
		return sampleName(r, 1) + sampleLatin[r.IntN(len(sampleLatin))]
	}
}

// sampleUser is what the later steps need to know of a user the sample wrote.
type sampleUser struct {
	id, created, bound int64 // bound: the binding's time, 0 when not bound
	account            int64
	ended              int64 // erased or disabled (or its account disabled) at this time; 0: no
	endedBy            string
	username           string // the bound account's
}

// sampleEvent is an audit event the sample writes, in time order, after the rows.
type sampleEvent struct {
	at                                 int64
	actorType, actorID, action, target string
	ip, detail                         string
}

// InsertSample writes a realistic data set through multi-row INSERTs (the triggers keep
// nickname_grams and the SQLite FTS table in step, as for any insert): WeChat users who
// signed up over the last Days days (more of them lately), with phones, regions, avatars,
// unionids, some disabled and some erased; accounts for about 30% of them, bound, and a few
// spare ones, some disabled; sessions, live, logged out and expired, carrying the account
// when opened after the bind; the audit events the real commands write for those changes
// (bind, logout, erase, disable, the account import), in time order; and the daily
// counters (logins, new users, binds) for every day. Openids start with "sample-" and a
// run id, so runs add up instead of colliding. Then it refreshes the planner's statistics.
func (s *Store) InsertSample(ctx context.Context, o SampleOptions) error {
	r := mrand.New(mrand.NewPCG(mrand.Uint64(), 42)) // not the clock: a test clock stands still
	run := fmt.Sprintf("%08x", r.Uint32())
	now := s.now().UnixMilli()
	days := o.Days
	if days <= 0 {
		days = 180
	}
	const day = int64(24 * time.Hour / time.Millisecond)
	start := now - int64(days)*day
	progress := func(what string, n int) {
		if o.Progress != nil {
			o.Progress(what, n)
		}
	}
	type dayStat struct{ logins, binds, newUsers int64 }
	stats := map[string]*dayStat{}
	stat := func(at int64) *dayStat {
		d := s.statDay(time.UnixMilli(at))
		if stats[d] == nil {
			stats[d] = &dayStat{}
		}
		return stats[d]
	}
	if s.dialect == DialectSQLite {
		// The writer's page cache (2 MB by default) is far smaller than the indexes a
		// million rows with random keys (token hashes, grams) touch; 256 MiB for the load.
		if _, err := s.w.ExecContext(ctx, "PRAGMA cache_size = -262144"); err != nil {
			return wrap("sample: cache size", err)
		}
		defer s.w.ExecContext(context.WithoutCancel(ctx), "PRAGMA cache_size = -2000")
	}
	var events []sampleEvent
	ip := func() string { return fmt.Sprintf("10.%d.%d.%d", r.IntN(256), r.IntN(256), 1+r.IntN(254)) }

	// Users: sign-up times grow with the id, denser lately (a growing service).
	users := make([]sampleUser, 0, o.Users)
	err := s.sampleRows(ctx, "users", o.Users, `INSERT INTO wx_users (appid, openid, unionid, nickname, avatar_url, gender,
		province, city, country, language, phone, created_at, last_login_at, disabled, deleted_at) VALUES `, 15, "openid",
		func(k int, args []any) []any {
			created := start + int64(float64(now-start)*math.Sqrt((float64(k)+r.Float64())/float64(max(o.Users, 1))))
			u := sampleUser{created: created}
			login := created + int64(float64(now-created)*math.Pow(r.Float64(), 0.3))
			nick, avatar, phone := sampleNickname(r), "", ""
			if r.IntN(10) < 6 {
				avatar = "https://thirdwx.qlogo.cn/mmopen/vi_32/" + base64.RawURLEncoding.EncodeToString(sampleBytes(24)) + "/132"
			}
			if r.IntN(1000) < samplePhonePermille {
				phone = fmt.Sprintf("1%d%09d", 3+r.IntN(7), r.IntN(1_000_000_000))
			}
			var union any
			if r.IntN(1000) < sampleUnionPermille {
				union = fmt.Sprintf("sample-union-%s-%07d", run, k)
			}
			var deleted any
			disabled := false
			switch p := r.IntN(1000); {
			case p < sampleErasedPermille:
				u.ended = login + int64(float64(now-login)*r.Float64())
				u.endedBy = "user:"
				deleted, nick, avatar, phone, union = u.ended, "", "", "", nil
			case p < sampleErasedPermille+sampleDisabledPermille:
				// No command disables a WeChat user (the column is set in SQL by the
				// deployment); its sessions end then, by "system".
				disabled = true
				u.ended = login + int64(float64(now-login)*r.Float64())
				u.endedBy = "system"
			}
			users = append(users, u)
			stat(created).newUsers++
			city := sampleCities[samplePick(r, len(sampleCities))]
			return append(args, o.AppID, fmt.Sprintf("sample-%s-%07d", run, k), union, nick, avatar, r.IntN(3),
				city[0], city[1], "China", "zh_CN", phone, created, login, disabled, deleted)
		},
		func(id int64, key string) { users[sampleIndex(key)].id = id }, progress)
	if err != nil {
		return err
	}
	for _, u := range users {
		switch {
		case u.endedBy == "user:":
			events = append(events, sampleEvent{at: u.ended, actorType: ActorUser, actorID: strconv.FormatInt(u.id, 10),
				action: "user.delete", target: wxUserTarget(u.id), ip: ip()})
		}
	}

	// Accounts: one for each bound user, made some days before the bind, and spare ones.
	type sampleAccount struct {
		user                int // index into users, -1: spare
		created, disabledAt int64
		username, name      string
		id                  int64
	}
	var accounts []sampleAccount
	for i := range users {
		u := &users[i]
		if u.endedBy == "user:" || r.IntN(1000) >= sampleBoundPermille*1000/(1000-sampleErasedPermille) {
			continue
		}
		u.bound = u.created + int64(float64(now-u.created)*math.Pow(r.Float64(), 2))
		if u.ended != 0 && u.bound > u.ended {
			u.bound = u.created + (u.ended-u.created)/2
		}
		accounts = append(accounts, sampleAccount{user: i, created: max(start-30*day, u.bound-r.Int64N(30*day))})
	}
	for n := len(users) * sampleSpareAccountsPermille / 1000; n > 0; n-- {
		accounts = append(accounts, sampleAccount{user: -1, created: start + r.Int64N(now-start)})
	}
	slices.SortFunc(accounts, func(a, b sampleAccount) int { return cmp.Compare(a.created, b.created) })
	hash := "$argon2id$v=19$m=19456,t=2,p=1$" + base64.RawStdEncoding.EncodeToString(sampleBytes(16)) + "$" +
		base64.RawStdEncoding.EncodeToString(sampleBytes(32))
	for i := range accounts {
		a := &accounts[i]
		a.username = fmt.Sprintf("s%s.%07d", run[:4], i)
		a.name = sampleName(r, 1+r.IntN(2))
		if r.IntN(1000) < sampleAccountDisabledPermille {
			a.disabledAt = a.created + r.Int64N(now-a.created+1)
			if a.user >= 0 {
				u := &users[a.user]
				a.disabledAt = max(a.disabledAt, u.bound)
				if u.ended == 0 || a.disabledAt < u.ended {
					u.ended, u.endedBy = a.disabledAt, "operator:admin"
				}
			}
		}
	}
	err = s.sampleRows(ctx, "accounts", len(accounts), `INSERT INTO accounts (username, name, password_hash, disabled,
		created_at, updated_at) VALUES `, 6, "username",
		func(k int, args []any) []any {
			a := accounts[k]
			return append(args, a.username, a.name, hash, a.disabledAt != 0, a.created, max(a.created, a.disabledAt))
		},
		func(id int64, key string) {
			k := sampleIndex(key)
			accounts[k].id = id
			if u := accounts[k].user; u >= 0 {
				users[u].account, users[u].username = id, accounts[k].username
			}
		}, progress)
	if err != nil {
		return err
	}
	for i := 0; i < len(accounts); i += MaxImportRows {
		n := min(MaxImportRows, len(accounts)-i)
		events = append(events, sampleEvent{at: accounts[i+n-1].created, actorType: ActorSystem, actorID: "cli",
			action: "account.import", target: "accounts", detail: fmt.Sprintf("accounts created: %d", n)})
	}
	for _, a := range accounts {
		if a.disabledAt != 0 {
			events = append(events, sampleEvent{at: a.disabledAt, actorType: ActorOperator, actorID: "admin",
				action: "account.disable", target: accountTarget(a.id), ip: ip()})
		}
	}

	// Bindings, in the order they were made.
	var bound []int
	for i, u := range users {
		if u.account != 0 {
			bound = append(bound, i)
		}
	}
	slices.SortFunc(bound, func(a, b int) int { return cmp.Compare(users[a].bound, users[b].bound) })
	err = s.sampleRows(ctx, "bindings", len(bound), `INSERT INTO bindings (wx_user_id, appid, account_id, created_at,
		created_by) VALUES `, 5, "",
		func(k int, args []any) []any {
			u := users[bound[k]]
			actorType, actorID, by := ActorUser, strconv.FormatInt(u.id, 10), "user:"+strconv.FormatInt(u.id, 10)
			detail := fmt.Sprintf("bound to account %d (%s) with password and ticket", u.account, u.username)
			if r.IntN(10) == 0 {
				actorType, actorID, by = ActorOperator, "admin", "operator:admin"
				detail = fmt.Sprintf("bound to account %d by an operator", u.account)
			}
			events = append(events, sampleEvent{at: u.bound, actorType: actorType, actorID: actorID, action: "bind",
				target: wxUserTarget(u.id), ip: ip(), detail: detail})
			stat(u.bound).binds++
			return append(args, u.id, o.AppID, u.account, u.bound, by)
		}, nil, progress)
	if err != nil {
		return err
	}
	if len(users) == 0 && o.Sessions > 0 {
		return fmt.Errorf("db: sample sessions need sample users")
	}

	// Sessions: a quarter expired long ago, some logged out, the rest live (seen in the
	// last 30 days); a user erased or disabled, or whose account was disabled, has every
	// session revoked at that moment.
	var firstSession int64
	if err := s.row(ctx, s.w, `SELECT COALESCE(MAX(id), 0) FROM sessions`).Scan(&firstSession); err != nil {
		return wrap("sample sessions", err)
	}
	idle, maxLife := int64(720*time.Hour/time.Millisecond), int64(4320*time.Hour/time.Millisecond)
	erased := map[int64]bool{}
	for _, u := range users {
		if u.endedBy == "user:" {
			erased[u.id] = true
		}
	}
	err = s.sampleRows(ctx, "sessions", o.Sessions, `INSERT INTO sessions (token_hash, refresh_hash, wx_user_id, account_id,
		appid, ip, user_agent, created_at, last_seen_at, access_expires_at, idle_expires_at, max_expires_at, revoked_at,
		revoked_by) VALUES `, 14, "",
		func(k int, args []any) []any {
			u := users[r.IntN(len(users))]
			var created, seen int64
			if r.IntN(1000) < sampleExpiredPermille && u.created < now-idle-2*day {
				created = u.created + r.Int64N(now-idle-day-u.created)
				seen = created + r.Int64N(day)
			} else {
				floor := max(u.created, now-maxLife+day)
				created = floor + int64(float64(now-floor)*math.Sqrt(r.Float64()))
				from := max(created, now-idle+day)
				seen = from + r.Int64N(now-from+1)
			}
			var revokedAt any
			by := ""
			switch {
			case u.ended != 0 && u.ended >= created:
				seen = min(seen, u.ended)
				revokedAt, by = u.ended, u.endedBy
				if by == "user:" {
					by += strconv.FormatInt(u.id, 10)
				}
			case u.ended != 0: // opened after the end: cannot be; make it an old logout
				created, seen = u.ended-day, u.ended-day
				revokedAt, by = u.ended-day+1, "system"
			case r.IntN(1000) < sampleLogoutPermille:
				revokedAt, by = seen+r.Int64N(min(day, now-seen)+1), "user:"+strconv.FormatInt(u.id, 10)
			}
			var account any
			if u.account != 0 && u.bound != 0 && created >= u.bound {
				account = u.account
			}
			stat(created).logins++
			h := sampleBytes(64)
			return append(args, h[:32], h[32:], u.id, account, o.AppID, ip(), sampleAgents[r.IntN(len(sampleAgents))],
				created, seen, seen+int64(2*time.Hour/time.Millisecond), seen+idle, created+maxLife, revokedAt, by)
		}, nil, progress)
	if err != nil {
		return err
	}
	// A logout's audit event names its session, so read the logged-out sessions back.
	rows, err := s.rows(ctx, s.w, `SELECT id, wx_user_id, revoked_at FROM sessions WHERE id > ? AND revoked_by LIKE 'user:%'`, firstSession)
	if err != nil {
		return wrap("sample logouts", err)
	}
	for rows.Next() {
		var id, user, at int64
		if err := rows.Scan(&id, &user, &at); err != nil {
			rows.Close()
			return wrap("sample logouts", err)
		}
		if !erased[user] {
			events = append(events, sampleEvent{at: at, actorType: ActorUser, actorID: strconv.FormatInt(user, 10),
				action: "session.revoke", target: wxUserTarget(user), ip: ip(), detail: fmt.Sprintf("session %d", id)})
		}
	}
	if err := rows.Close(); err != nil {
		return wrap("sample logouts", err)
	}

	// The audit log in time order, as the commands would have written it.
	slices.SortStableFunc(events, func(a, b sampleEvent) int { return cmp.Compare(a.at, b.at) })
	err = s.sampleRows(ctx, "audit events", len(events), `INSERT INTO audit_events (at, actor_type, actor_id, action,
		target, ip, detail) VALUES `, 7, "",
		func(k int, args []any) []any {
			e := events[k]
			return append(args, e.at, e.actorType, e.actorID, e.action, e.target, e.ip, e.detail)
		}, nil, progress)
	if err != nil {
		return err
	}

	err = s.tx(ctx, "sample daily stats", func(tx *sqlx.Tx) error {
		for d, st := range stats {
			// About three checkBind "not bound" answers per bind, never more than logins.
			unbound := min(st.logins, 3*st.binds)
			if _, err := s.exec(ctx, tx, `INSERT INTO daily_stats (day, appid, shard, logins, binds, new_users, checkbind_unbound) VALUES (?, ?, 0, ?, ?, ?, ?)
				ON CONFLICT (day, appid, shard) DO UPDATE SET logins = daily_stats.logins + excluded.logins,
				binds = daily_stats.binds + excluded.binds, new_users = daily_stats.new_users + excluded.new_users,
				checkbind_unbound = daily_stats.checkbind_unbound + excluded.checkbind_unbound`,
				d, o.AppID, st.logins, st.binds, st.newUsers, unbound); err != nil {
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
	// VACUUM also marks PostgreSQL's pages all-visible, as autovacuum would in time, so
	// index-only scans need not visit the table.
	analyze := "ANALYZE"
	if s.dialect == DialectPostgres {
		analyze = "VACUUM ANALYZE"
	}
	_, err = s.w.ExecContext(ctx, analyze)
	return wrap("sample: analyze", err)
}

// sampleRows inserts n rows through multi-row INSERTs of head (ending in VALUES) with cols
// columns, sampleTxRows rows per transaction, and tells progress. row appends row k's
// values to args. With key (a column), each statement returns the new ids with that
// column, handed to id: no order of RETURNING rows is relied on.
func (s *Store) sampleRows(ctx context.Context, what string, n int, head string, cols int, key string,
	row func(k int, args []any) []any, id func(id int64, key string), progress func(string, int)) error {
	per := sampleMaxParams / cols
	for done := 0; done < n; {
		m := min(sampleTxRows, n-done)
		err := s.tx(ctx, "insert sample "+what, func(tx *sqlx.Tx) error {
			for i := 0; i < m; i += per {
				b := min(per, m-i)
				args := make([]any, 0, b*cols)
				for j := 0; j < b; j++ {
					args = row(done+i+j, args)
				}
				q := head + valuesList(b, cols)
				if key != "" {
					q += " RETURNING id, " + key
				}
				if s.dialect == DialectPostgres {
					q = sqlx.Rebind(sqlx.DOLLAR, q)
				}
				if key == "" {
					if _, err := tx.ExecContext(ctx, q, args...); err != nil {
						return err
					}
					continue
				}
				rows, err := tx.QueryContext(ctx, q, args...)
				if err != nil {
					return err
				}
				for rows.Next() {
					var v int64
					var k string
					if err := rows.Scan(&v, &k); err != nil {
						rows.Close()
						return err
					}
					id(v, k)
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
		done += m
		progress(what, done)
	}
	return nil
}

// sampleIndex is the row number a sample openid or username ends in (after its last
// dot or dash).
func sampleIndex(key string) int {
	n, _ := strconv.Atoi(key[strings.LastIndexAny(key, ".-")+1:])
	return n
}

// sampleBytes is n random bytes.
func sampleBytes(n int) []byte {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return b
}

// valuesList is "(?, ?), (?, ?)" for rows rows of cols placeholders.
func valuesList(rows, cols int) string {
	one := "(" + strings.TrimSuffix(strings.Repeat("?, ", cols), ", ") + ")"
	return strings.TrimSuffix(strings.Repeat(one+", ", rows), ", ")
}

// SamplePicks are values found in the data for the console benchmark to ask about: rows
// from the middle of each table, so that a lookup is neither the newest nor the oldest.
type SamplePicks struct {
	MidUser, MidSession, MidAudit, MidAccount, MidBinding int64 // ids halfway up their tables
	Phone, OpenID                                         string
	BoundUser                                             int64 // a bound user with sessions
	Username, AccountName                                 string
	SessionIP                                             string
	Name3, Name2, Name2Rare, Name1Rare, Latin             string // nicknames and parts of them
	Newest                                                time.Time
}

// SamplePicks reads the benchmark's picks from the data (a few indexed reads).
func (s *Store) SamplePicks(ctx context.Context) (SamplePicks, error) {
	var p SamplePicks
	var newest int64
	err := s.row(ctx, s.r, `SELECT COALESCE(MAX(id), 0) / 2, (SELECT COALESCE(MAX(id), 0) / 2 FROM sessions),
		(SELECT COALESCE(MAX(id), 0) / 2 FROM audit_events), (SELECT COALESCE(MAX(id), 0) / 2 FROM accounts),
		(SELECT COALESCE(MAX(wx_user_id), 0) / 2 FROM bindings), (SELECT COALESCE(MAX(created_at), 0) FROM wx_users)
		FROM wx_users`).Scan(&p.MidUser, &p.MidSession, &p.MidAudit, &p.MidAccount, &p.MidBinding, &newest)
	if err != nil {
		return p, wrap("sample picks", err)
	}
	p.Newest = time.UnixMilli(newest)
	if err := s.row(ctx, s.r, `SELECT phone, openid FROM wx_users WHERE id >= ? AND phone <> '' ORDER BY id LIMIT 1`,
		p.MidUser).Scan(&p.Phone, &p.OpenID); err != nil {
		return p, wrap("sample picks: phone", err)
	}
	if err := s.row(ctx, s.r, `SELECT b.wx_user_id, a.username, a.name FROM bindings b JOIN accounts a ON a.id = b.account_id
		WHERE b.wx_user_id >= ? AND EXISTS (SELECT 1 FROM sessions s WHERE s.wx_user_id = b.wx_user_id)
		ORDER BY b.wx_user_id LIMIT 1`, p.MidBinding).Scan(&p.BoundUser, &p.Username, &p.AccountName); err != nil {
		return p, wrap("sample picks: bound user", err)
	}
	if err := s.row(ctx, s.r, `SELECT ip FROM sessions WHERE id >= ? ORDER BY id LIMIT 1`, p.MidSession).Scan(&p.SessionIP); err != nil {
		return p, wrap("sample picks: ip", err)
	}
	rows, err := s.rows(ctx, s.r, `SELECT nickname FROM wx_users WHERE id >= ? ORDER BY id LIMIT 5000`, p.MidUser)
	if err != nil {
		return p, wrap("sample picks: nicknames", err)
	}
	seen := map[string]int{}
	for rows.Next() {
		var n string
		if err := rows.Scan(&n); err != nil {
			rows.Close()
			return p, wrap("sample picks: nicknames", err)
		}
		r := []rune(n)
		switch {
		case len(r) == 3 && r[0] > 0x2e80 && r[2] > 0x2e80 && p.Name3 == "":
			p.Name3 = n
		case len(r) == 1 && r[0] > 0x2e80 && p.Name1Rare == "":
			p.Name1Rare = n
		case len(r) > 3 && r[0] < 0x80 && p.Latin == "":
			p.Latin = strings.ToLower(string(r[1:4]))
		}
		if len(r) == 2 && r[0] > 0x2e80 && r[1] > 0x2e80 {
			seen[n]++
		}
	}
	if err := rows.Close(); err != nil {
		return p, wrap("sample picks: nicknames", err)
	}
	for n, c := range seen {
		if p.Name2 == "" || c > seen[p.Name2] {
			p.Name2 = n
		}
		if c == 1 && (p.Name2Rare == "" || n < p.Name2Rare) {
			p.Name2Rare = n
		}
	}
	if p.Name3 == "" || p.Name2 == "" || p.Name1Rare == "" || p.Latin == "" {
		return p, fmt.Errorf("db: sample picks: the data holds too few nicknames (%+v)", p)
	}
	if p.Name2Rare == "" {
		p.Name2Rare = p.Name2
	}
	return p, nil
}
