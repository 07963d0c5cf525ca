package vllmjson

import (
	"net/http"
	"strings"

	"github.com/servebench/servebench/schema"
	"github.com/servebench/servebench/schema/redact"
)

// maxMessage bounds a failure message, as the engine's client does.
const maxMessage = 512

// failure turns one of vLLM's error strings into a failure record. vLLM
// saves either the HTTP reason phrase of a non-200 answer ("Internal Server
// Error") or a whole Python traceback, whose last line names the exception.
func failure(msg string) *schema.RequestFailure {
	line := lastLine(msg)
	f := &schema.RequestFailure{Kind: schema.FailOther, Message: redact.Excerpt(line, maxMessage)}
	if line == "" {
		f.Message = "failed without an error message"
	}
	if status := statusOf(line); status > 0 {
		f.Status, f.Kind = status, kindOfStatus(status)
		return f
	}
	for _, k := range exceptionKinds {
		if strings.Contains(line, k.word) {
			f.Kind = k.kind
			break
		}
	}
	return f
}

// exceptionKinds map words of the exceptions aiohttp and asyncio raise to
// failure kinds; the first match wins.
var exceptionKinds = []struct{ word, kind string }{
	{"Timeout", schema.FailTimeout},
	{"ClientConnectorError", schema.FailConnRefused},
	{"Connection refused", schema.FailConnRefused},
	{"ServerDisconnected", schema.FailConnReset},
	{"Connection reset", schema.FailConnReset},
	{"ClientPayloadError", schema.FailStreamEarly},
	{"JSONDecodeError", schema.FailMalformed},
}

// statusOf reads an HTTP reason phrase back into its status code (0: not
// one). Only 4xx and 5xx: vLLM saves the reason of a failed answer.
func statusOf(reason string) int {
	for code := 400; code < 600; code++ {
		if t := http.StatusText(code); t != "" && strings.EqualFold(t, reason) {
			return code
		}
	}
	return 0
}

func kindOfStatus(status int) string {
	switch {
	case status == http.StatusTooManyRequests:
		return schema.FailRateLimited
	case status >= 500:
		return schema.FailServerError
	}
	return schema.FailBadRequest
}

// lastLine is the last line of s that is not blank, trimmed.
func lastLine(s string) string {
	s = strings.TrimSpace(s)
	if i := strings.LastIndexByte(s, '\n'); i >= 0 {
		s = strings.TrimSpace(s[i+1:])
	}
	return s
}
