package client

import (
	"strconv"
	"unicode/utf8"

	"github.com/servebench/servebench/schema"
)

// appendBody appends the JSON request body to dst. It is written by hand
// rather than with json.Marshal because a token-id prompt of a few thousand
// ints is the largest thing the client builds per request, and appending
// digits into a pooled buffer costs a fraction of reflection.
//
// The fields are the ones `vllm bench serve` sends, and no more: extra
// sampling fields would change what the server does.
func (c *Client) appendBody(dst []byte, req *Request) []byte {
	chat := c.cfg.Endpoint == schema.EndpointChat
	dst = append(dst, `{"model":`...)
	dst = appendString(dst, c.cfg.Model)
	if chat {
		dst = append(dst, `,"messages":[{"role":"user","content":`...)
		dst = appendString(dst, req.Text)
		dst = append(dst, `}],"max_completion_tokens":`...)
	} else {
		dst = append(dst, `,"prompt":`...)
		dst = appendPrompt(dst, req)
		dst = append(dst, `,"max_tokens":`...)
	}
	dst = strconv.AppendInt(dst, int64(req.OutputLen), 10)
	if c.cfg.Stream {
		dst = append(dst, `,"stream":true,"stream_options":{"include_usage":true}`...)
	} else {
		dst = append(dst, `,"stream":false`...)
	}
	if c.cfg.IgnoreEOS {
		dst = append(dst, `,"ignore_eos":true`...)
	}
	return append(dst, '}')
}

func appendPrompt(dst []byte, req *Request) []byte {
	if req.TokenIDs == nil {
		return appendString(dst, req.Text)
	}
	dst = append(dst, '[')
	for i, id := range req.TokenIDs {
		if i > 0 {
			dst = append(dst, ',')
		}
		dst = appendInt(dst, id)
	}
	return append(dst, ']')
}

// appendInt is strconv.AppendInt for the ints of a prompt, without its
// generality: the token ids are the bulk of a request body.
func appendInt(dst []byte, n int) []byte {
	if n < 0 || n >= 1e9 {
		return strconv.AppendInt(dst, int64(n), 10)
	}
	var buf [10]byte
	i := len(buf)
	for {
		i--
		buf[i] = byte('0' + n%10)
		n /= 10
		if n == 0 {
			break
		}
	}
	return append(dst, buf[i:]...)
}

const hexDigits = "0123456789abcdef"

// appendString appends s as a JSON string: quotes, backslashes and control
// characters escaped, invalid UTF-8 replaced by U+FFFD as encoding/json does.
func appendString(dst []byte, s string) []byte {
	dst = append(dst, '"')
	start := 0
	for i := 0; i < len(s); {
		b := s[i]
		if b >= 0x20 && b != '"' && b != '\\' && b < utf8.RuneSelf {
			i++
			continue
		}
		if b >= utf8.RuneSelf {
			r, size := utf8.DecodeRuneInString(s[i:])
			if r != utf8.RuneError || size != 1 {
				i += size
				continue
			}
			dst = append(dst, s[start:i]...)
			dst = append(dst, `\ufffd`...)
			i++
			start = i
			continue
		}
		dst = append(dst, s[start:i]...)
		switch b {
		case '"', '\\':
			dst = append(dst, '\\', b)
		case '\n':
			dst = append(dst, '\\', 'n')
		case '\t':
			dst = append(dst, '\\', 't')
		case '\r':
			dst = append(dst, '\\', 'r')
		default:
			dst = append(dst, '\\', 'u', '0', '0', hexDigits[b>>4], hexDigits[b&0xf])
		}
		i++
		start = i
	}
	dst = append(dst, s[start:]...)
	return append(dst, '"')
}
