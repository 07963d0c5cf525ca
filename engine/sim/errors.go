package sim

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
)

// errorBody is vLLM's ErrorResponse as its OpenAI server writes it since the
// error object moved under "error": {"error":{"message","type","param","code"}}.
// Field order matters: tests pin the bytes.
type errorBody struct {
	Error errorInfo `json:"error"`
}

type errorInfo struct {
	Message string  `json:"message"`
	Type    string  `json:"type"`
	Param   *string `json:"param"`
	Code    int     `json:"code"`
}

// errorJSON renders the body of an error response, without a newline, as
// vLLM's JSONResponse does.
func errorJSON(status int, typ, msg string) []byte {
	b, err := json.Marshal(errorBody{Error: errorInfo{Message: msg, Type: typ, Code: status}})
	if err != nil { // cannot happen: only strings and ints
		panic(fmt.Sprintf("sim: marshal error body: %v", err))
	}
	return b
}

// writeError answers with a vLLM-shaped error and returns status for the
// request log.
func writeError(w http.ResponseWriter, status int, typ, msg string) int {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	w.Write(errorJSON(status, typ, msg))
	return status
}

// contextLengthMessage is the wording of vLLM's OpenAIServing._validate_input
// (vLLM v0.6 to v0.9) for prompt + max_tokens > max_model_len. It is pinned
// byte for byte by a test because clients match on it.
func contextLengthMessage(maxModelLen, promptTokens, maxTokens int) string {
	return fmt.Sprintf("This model's maximum context length is %d tokens. However, you requested %d tokens "+
		"(%d in the messages, %d in the completion). Please reduce the length of the messages or completion.",
		maxModelLen, promptTokens+maxTokens, promptTokens, maxTokens)
}

// promptTooLongMessage is vLLM's wording when the prompt alone does not fit.
func promptTooLongMessage(maxModelLen, promptTokens int) string {
	return fmt.Sprintf("This model's maximum context length is %d tokens. However, you requested %d tokens "+
		"in the messages, Please reduce the length of the messages.", maxModelLen, promptTokens)
}

// modelNotFoundMessage is vLLM's OpenAIServing._check_model wording.
func modelNotFoundMessage(model string) string {
	return fmt.Sprintf("The model `%s` does not exist.", model)
}

// errorType names an injected status the way vLLM and OpenAI clients expect.
func errorType(status int) string {
	switch status {
	case http.StatusBadRequest:
		return "BadRequestError"
	case http.StatusNotFound:
		return "NotFoundError"
	case http.StatusTooManyRequests:
		return "RateLimitError"
	case http.StatusInternalServerError:
		return "InternalServerError"
	case http.StatusServiceUnavailable:
		return "ServiceUnavailableError"
	}
	return strings.ReplaceAll(http.StatusText(status), " ", "") + "Error"
}
