package shard

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"strconv"
)

// TokenEnv is the environment variable that holds the rendezvous token
// (the --rendezvous-token flag wins over it).
const TokenEnv = "SERVEBENCH_RENDEZVOUS_TOKEN"

// Key is the shared secret of a rendezvous: a hash of the scenario file's
// bytes and the token. A connection that cannot prove it knows the key
// (an HMAC over a fresh nonce) is refused, so a stray client, or a shard
// of another scenario, cannot join; the key itself never crosses the
// wire, and neither do the scenario's secrets.
func Key(scenario []byte, token string) []byte {
	file := sha256.Sum256(scenario)
	h := sha256.New()
	h.Write([]byte("servebench rendezvous v" + strconv.Itoa(Proto) + "\x00"))
	h.Write(file[:])
	h.Write([]byte{0})
	h.Write([]byte(token))
	return h.Sum(nil)
}

// mac proves knowledge of key over the given fields.
func mac(key []byte, fields ...string) []byte {
	m := hmac.New(sha256.New, key)
	for _, f := range fields {
		m.Write([]byte(strconv.Itoa(len(f)) + ":" + f))
	}
	return m.Sum(nil)
}

func nonce() []byte {
	b := make([]byte, 16)
	_, _ = rand.Read(b) // crypto/rand.Read never fails on Linux
	return b
}

// helloMAC is what shard i proves with its hello, over shard 0's nonce.
func helloMAC(key, challenge []byte, m msg) []byte {
	return mac(key, "hello", string(challenge), strconv.Itoa(m.Index), strconv.Itoa(m.Count), m.Plan, m.Version, string(m.Nonce))
}

// welcomeMAC is what shard 0 proves with its welcome, over shard i's nonce.
func welcomeMAC(key, shardNonce []byte, index int) []byte {
	return mac(key, "welcome", string(shardNonce), strconv.Itoa(index))
}
