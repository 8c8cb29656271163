package wechat

import (
	"bytes"
	"crypto/aes"
	"crypto/cipher"
	"encoding/base64"
	"encoding/json"
	"errors"
	"os"
	"strings"
	"testing"
)

// vectors are the examples of WeChat's "server-side open data" documentation.
type vectors struct {
	RawData struct {
		SessionKey, RawData, Signature string
	} `json:"rawData"`
	EncryptedData struct {
		AppID         string `json:"appid"`
		SessionKey    string `json:"sessionKey"`
		IV            string `json:"iv"`
		EncryptedData string `json:"encryptedData"`
		Plaintext     string `json:"plaintext"`
	} `json:"encryptedData"`
}

func loadVectors(t testing.TB) vectors {
	t.Helper()
	b, err := os.ReadFile("testdata/official_vectors.json")
	if err != nil {
		t.Fatal(err)
	}
	var v vectors
	if err := json.Unmarshal(b, &v); err != nil {
		t.Fatal(err)
	}
	return v
}

func TestVerifyRawDataOfficialVector(t *testing.T) {
	v := loadVectors(t).RawData
	if !VerifyRawData(v.RawData, v.Signature, v.SessionKey) {
		t.Fatal("the official rawData vector does not verify")
	}
	if !VerifyRawData(v.RawData, strings.ToUpper(v.Signature), v.SessionKey) {
		t.Fatal("hex case should not matter")
	}
	for name, tc := range map[string][3]string{
		"tampered rawData": {strings.Replace(v.RawData, `"gender":1`, `"gender":2`, 1), v.Signature, v.SessionKey},
		"other key":        {v.RawData, v.Signature, "tiihtNczf5v6AKRyjwEUhQ=="},
		"short signature":  {v.RawData, v.Signature[:39], v.SessionKey},
		"empty signature":  {v.RawData, "", v.SessionKey},
	} {
		if VerifyRawData(tc[0], tc[1], tc[2]) {
			t.Errorf("%s: verified", name)
		}
	}
}

func TestDecryptOfficialVector(t *testing.T) {
	v := loadVectors(t).EncryptedData
	plain, err := Decrypt(v.AppID, v.SessionKey, v.EncryptedData, v.IV)
	if err != nil {
		t.Fatal(err)
	}
	if string(plain) != v.Plaintext {
		t.Fatalf("plaintext:\n got %s\nwant %s", plain, v.Plaintext)
	}
	info, err := ParseUserInfo(plain)
	if err != nil {
		t.Fatal(err)
	}
	want := UserInfo{NickName: "Band", Gender: 1, Language: "zh_CN", City: "Guangzhou", Province: "Guangdong", Country: "CN",
		AvatarURL: "http://wx.qlogo.cn/mmopen/vi_32/aSKcBBPpibyKNicHNTMM0qJVh8Kjgiak2AHWr8MHM4WgMEm7GFhsf8OYrySdbvAMvTsw3mo8ibKicsnfN5pRjl1p8HQ/0"}
	if info != want {
		t.Fatalf("user info: %+v", info)
	}
	// A '+' turned into a space by form decoding is repaired.
	if _, err := Decrypt(v.AppID, v.SessionKey, strings.ReplaceAll(v.EncryptedData, "+", " "), v.IV); err != nil {
		t.Fatalf("mangled '+': %v", err)
	}
}

func TestDecryptFailures(t *testing.T) {
	v := loadVectors(t).EncryptedData
	otherKey := base64.StdEncoding.EncodeToString(bytes.Repeat([]byte{7}, 16))
	cases := []struct {
		name                 string
		appid, key, data, iv string
		want                 error
	}{
		{"other appid", "wx0000000000000000", v.SessionKey, v.EncryptedData, v.IV, ErrWatermark},
		{"wrong key", v.AppID, otherKey, v.EncryptedData, v.IV, nil}, // padding or plaintext, see below
		{"wrong iv", v.AppID, v.SessionKey, v.EncryptedData, "AAAAAAAAAAAAAAAAAAAAAA==", ErrBadPlaintext},
		{"key not base64", v.AppID, "%%%", v.EncryptedData, v.IV, ErrBadInput},
		{"key 15 bytes", v.AppID, base64.StdEncoding.EncodeToString(make([]byte, 15)), v.EncryptedData, v.IV, ErrBadInput},
		{"key 32 bytes", v.AppID, base64.StdEncoding.EncodeToString(make([]byte, 32)), v.EncryptedData, v.IV, ErrBadInput},
		{"iv short", v.AppID, v.SessionKey, v.EncryptedData, "AAAA", ErrBadInput},
		{"data empty", v.AppID, v.SessionKey, "", v.IV, ErrBadInput},
		{"data not block sized", v.AppID, v.SessionKey, base64.StdEncoding.EncodeToString(make([]byte, 17)), v.IV, ErrBadInput},
		{"data garbage", v.AppID, v.SessionKey, "!!!not base64!!!", v.IV, ErrBadInput},
		{"data truncated", v.AppID, v.SessionKey, v.EncryptedData[:len(v.EncryptedData)-24], v.IV, nil},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			plain, err := Decrypt(tc.appid, tc.key, tc.data, tc.iv)
			if err == nil || plain != nil {
				t.Fatalf("decrypted: %q", plain)
			}
			if tc.want != nil && !errors.Is(err, tc.want) {
				t.Fatalf("got %v, want %v", err, tc.want)
			}
			if tc.want == nil && !errors.Is(err, ErrBadPadding) && !errors.Is(err, ErrBadPlaintext) {
				t.Fatalf("got %v, want a padding or plaintext error", err)
			}
		})
	}
}

// seal encrypts like the WeChat app, for padding edge cases.
func seal(t testing.TB, key, iv, plain []byte) string {
	t.Helper()
	b, _ := aes.NewCipher(key)
	out := make([]byte, len(plain))
	cipher.NewCBCEncrypter(b, iv).CryptBlocks(out, plain)
	return base64.StdEncoding.EncodeToString(out)
}

func TestDecryptStrictPadding(t *testing.T) {
	key, iv := bytes.Repeat([]byte{1}, 16), bytes.Repeat([]byte{2}, 16)
	k64, iv64 := base64.StdEncoding.EncodeToString(key), base64.StdEncoding.EncodeToString(iv)
	body := []byte(`{"watermark":{"appid":"wxA","timestamp":1}}`) // 43 bytes: 5 bytes of padding
	good := append(bytes.Clone(body), 5, 5, 5, 5, 5)
	if p, err := Decrypt("wxA", k64, seal(t, key, iv, good), iv64); err != nil || !bytes.Equal(p, body) {
		t.Fatalf("good padding: %q %v", p, err)
	}
	for name, tail := range map[string][]byte{
		"uneven":   {5, 5, 4, 5, 5},
		"zero":     {0, 0, 0, 0, 0},
		"too long": {17, 17, 17, 17, 17},
	} {
		bad := append(bytes.Clone(body), tail...)
		if _, err := Decrypt("wxA", k64, seal(t, key, iv, bad), iv64); !errors.Is(err, ErrBadPadding) {
			t.Errorf("%s padding: %v", name, err)
		}
	}
	// A full block of padding (plaintext already block-sized) is valid.
	body16 := []byte(`{"watermark":{"appid":"wxA"}}   `)[:32]
	full := append(bytes.Clone(body16), bytes.Repeat([]byte{16}, 16)...)
	if _, err := Decrypt("wxA", k64, seal(t, key, iv, full), iv64); err != nil {
		t.Fatalf("full padding block: %v", err)
	}
	// No watermark at all is a watermark failure, not a success.
	nowm := append([]byte(`{"nickName":"x"}`), bytes.Repeat([]byte{16}, 16)...)
	if _, err := Decrypt("wxA", k64, seal(t, key, iv, nowm), iv64); !errors.Is(err, ErrWatermark) {
		t.Fatalf("missing watermark: %v", err)
	}
}

func TestParseUserInfo(t *testing.T) {
	cases := []struct {
		in      string
		gender  int
		wantErr bool
	}{
		{`{"nickName":"a","gender":2}`, 2, false},
		{`{"nickName":"a","gender":"1"}`, 1, false},
		{`{"nickName":"a","gender":""}`, 0, false},
		{`{"nickName":"a","gender":null}`, 0, false},
		{`{"nickName":"a"}`, 0, false},
		{`{"gender":3}`, 0, true},
		{`{"gender":"male"}`, 0, true},
		{`{"gender":1.5}`, 0, true},
		{`{"nickName":5}`, 0, true},
		{`null`, 0, true},
		{`[]`, 0, true},
		{``, 0, true},
	}
	for _, tc := range cases {
		info, err := ParseUserInfo([]byte(tc.in))
		if (err != nil) != tc.wantErr {
			t.Errorf("%s: err %v", tc.in, err)
			continue
		}
		if err == nil && info.Gender != tc.gender {
			t.Errorf("%s: gender %d", tc.in, info.Gender)
		}
	}
	info, err := ParseUserInfo([]byte(`{"nickName":"微信用户","avatarUrl":"https://thirdwx.qlogo.cn/x/132","gender":0,"province":"P","city":"C","country":"CN","language":"zh_CN","watermark":{"appid":"wx"}}`))
	if err != nil || info != (UserInfo{NickName: "微信用户", AvatarURL: "https://thirdwx.qlogo.cn/x/132", Province: "P", City: "C", Country: "CN", Language: "zh_CN"}) {
		t.Fatalf("%+v %v", info, err)
	}
}

func FuzzDecrypt(f *testing.F) {
	v := loadVectors(f).EncryptedData
	f.Add(v.AppID, v.SessionKey, v.EncryptedData, v.IV)
	f.Add(v.AppID, v.SessionKey, v.EncryptedData[:64], v.IV)
	f.Add("", "", "", "")
	f.Add("wx", "AAAAAAAAAAAAAAAAAAAAAA==", "AAAAAAAAAAAAAAAAAAAAAA==", "AAAAAAAAAAAAAAAAAAAAAA==")
	f.Add("wx", "AAAAAAAAAAAAAAAAAAAAAA", "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", "////////////////////////")
	f.Add("wx", "tiihtNczf5v6AKRyjwEUhQ==", "====", "r7BXXKkLb8qrSNn05n0qiA")
	f.Fuzz(func(t *testing.T, appid, key, data, iv string) {
		plain, err := Decrypt(appid, key, data, iv)
		if err != nil {
			if plain != nil {
				t.Fatal("plaintext returned with an error")
			}
			if !errors.Is(err, ErrBadInput) && !errors.Is(err, ErrBadPadding) && !errors.Is(err, ErrBadPlaintext) && !errors.Is(err, ErrWatermark) {
				t.Fatalf("unclassified error %v", err)
			}
			return
		}
		var doc struct {
			Watermark struct {
				AppID string `json:"appid"`
			} `json:"watermark"`
		}
		if json.Unmarshal(plain, &doc) != nil || doc.Watermark.AppID != appid {
			t.Fatalf("accepted %q for %q", plain, appid)
		}
	})
}

func FuzzParseUserInfo(f *testing.F) {
	f.Add([]byte(loadVectors(f).RawData.RawData))
	f.Add([]byte(loadVectors(f).EncryptedData.Plaintext))
	f.Add([]byte(`{"gender":"2"}`))
	f.Add([]byte(`{"gender":"-0"}`))
	f.Add([]byte(`{"gender":1e400}`))
	f.Add([]byte(`{"nickName":"\ud800"}`))
	f.Add([]byte(`{`))
	f.Fuzz(func(t *testing.T, in []byte) {
		info, err := ParseUserInfo(in)
		if err == nil && (info.Gender < 0 || info.Gender > 2) {
			t.Fatalf("gender %d accepted", info.Gender)
		}
	})
}
