package wxsim

import (
	"bytes"
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"crypto/sha1"
	"encoding/base64"
	"encoding/hex"
	"fmt"
)

// These mirror what the WeChat app does on the device, written independently of the
// client package so that tests cross-check two implementations.

// signRawData is lower-hex SHA1(rawData + session_key).
func signRawData(rawData, sessionKey string) string {
	sum := sha1.Sum([]byte(rawData + sessionKey))
	return hex.EncodeToString(sum[:])
}

// encrypt seals plaintext with AES-128-CBC and PKCS#7 under the base64 session key and a
// fresh random iv, returning base64 ciphertext and iv.
func encrypt(sessionKey string, plaintext []byte) (string, string, error) {
	key, err := base64.StdEncoding.DecodeString(sessionKey)
	if err != nil || len(key) != 16 {
		return "", "", fmt.Errorf("session key is not base64 of 16 bytes")
	}
	block, err := aes.NewCipher(key)
	if err != nil {
		return "", "", err
	}
	pad := aes.BlockSize - len(plaintext)%aes.BlockSize
	buf := append(bytes.Clone(plaintext), bytes.Repeat([]byte{byte(pad)}, pad)...)
	iv := make([]byte, aes.BlockSize)
	rand.Read(iv)
	cipher.NewCBCEncrypter(block, iv).CryptBlocks(buf, buf)
	return base64.StdEncoding.EncodeToString(buf), base64.StdEncoding.EncodeToString(iv), nil
}
