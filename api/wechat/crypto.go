package wechat

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/sha1"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
)

// Errors of the open-data helpers. Each failure of Decrypt wraps exactly one of them.
var (
	// ErrBadInput: the session_key, iv or encryptedData is not base64 of the right size.
	ErrBadInput = errors.New("wechat: malformed encrypted data")
	// ErrBadPadding: the PKCS#7 padding is wrong, which almost always means the wrong
	// session_key (rotated by a later wx.login) or a mangled iv.
	ErrBadPadding = errors.New("wechat: bad padding (wrong session_key?)")
	// ErrBadPlaintext: decryption gave something that is not a JSON object, again usually a
	// wrong key or iv.
	ErrBadPlaintext = errors.New("wechat: decrypted data is not a JSON object (wrong session_key?)")
	// ErrWatermark: the data is not stamped for this AppID (or not stamped at all).
	ErrWatermark = errors.New("wechat: watermark appid mismatch")
)

// VerifyRawData checks a rawData signature: lower-hex SHA1(rawData + sessionKey), compared
// in constant time.
func VerifyRawData(rawData, signature, sessionKey string) bool {
	h := sha1.New()
	h.Write([]byte(rawData))
	h.Write([]byte(sessionKey))
	want := hex.EncodeToString(h.Sum(nil))
	return subtle.ConstantTimeCompare([]byte(want), []byte(strings.ToLower(signature))) == 1
}

// Decrypt opens encryptedData (AES-128-CBC, PKCS#7) with the base64 session_key and iv,
// checks the padding strictly, requires the plaintext to be a JSON object whose
// watermark.appid is appID, and returns the plaintext JSON. It never panics: every bad
// input is an error wrapping ErrBadInput, ErrBadPadding, ErrBadPlaintext or ErrWatermark.
func Decrypt(appID, sessionKey, encryptedData, iv string) ([]byte, error) {
	key, err := decodeB64(sessionKey)
	if err != nil || len(key) != aes.BlockSize {
		return nil, fmt.Errorf("%w: session_key must be base64 of 16 bytes", ErrBadInput)
	}
	ivb, err := decodeB64(iv)
	if err != nil || len(ivb) != aes.BlockSize {
		return nil, fmt.Errorf("%w: iv must be base64 of 16 bytes", ErrBadInput)
	}
	ct, err := decodeB64(encryptedData)
	if err != nil || len(ct) == 0 || len(ct)%aes.BlockSize != 0 {
		return nil, fmt.Errorf("%w: encryptedData must be base64 of a non-empty multiple of 16 bytes", ErrBadInput)
	}
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrBadInput, err)
	}
	plain := make([]byte, len(ct))
	cipher.NewCBCDecrypter(block, ivb).CryptBlocks(plain, ct)
	plain, err = unpad(plain)
	if err != nil {
		return nil, err
	}
	var doc struct {
		Watermark *rawWatermark `json:"watermark"`
	}
	if err := json.Unmarshal(plain, &doc); err != nil {
		return nil, ErrBadPlaintext
	}
	if doc.Watermark == nil || doc.Watermark.AppID != appID {
		return nil, ErrWatermark
	}
	return plain, nil
}

// unpad strips PKCS#7 padding, requiring 1..16 bytes all equal to the pad length.
func unpad(b []byte) ([]byte, error) {
	if len(b) == 0 {
		return nil, ErrBadPadding
	}
	n := int(b[len(b)-1])
	if n == 0 || n > aes.BlockSize || n > len(b) {
		return nil, ErrBadPadding
	}
	bad := 0
	for _, c := range b[len(b)-n:] {
		bad |= int(c) ^ n
	}
	if bad != 0 {
		return nil, ErrBadPadding
	}
	return b[:len(b)-n], nil
}

// decodeB64 decodes standard base64, repairing the '+' that form or URL decoding turns
// into a space, and accepting missing padding.
func decodeB64(s string) ([]byte, error) {
	s = strings.ReplaceAll(strings.TrimSpace(s), " ", "+")
	if strings.HasSuffix(s, "=") || len(s)%4 == 0 {
		return base64.StdEncoding.DecodeString(s)
	}
	return base64.RawStdEncoding.DecodeString(s)
}
