package sim

import (
	"encoding/json"
	"net/http"
)

// The informational endpoints: what a readiness probe, a server-identity
// lookup and a token count ask of vLLM.

func (s *Server) handleHealth(w http.ResponseWriter, _ *http.Request) (int, int) {
	w.WriteHeader(http.StatusOK)
	return http.StatusOK, 0
}

type modelCard struct {
	ID          string       `json:"id"`
	Object      string       `json:"object"`
	Created     int64        `json:"created"`
	OwnedBy     string       `json:"owned_by"`
	Root        string       `json:"root"`
	Parent      *string      `json:"parent"`
	MaxModelLen int          `json:"max_model_len"`
	Permission  []permission `json:"permission"`
}

type permission struct {
	ID                 string  `json:"id"`
	Object             string  `json:"object"`
	Created            int64   `json:"created"`
	AllowCreateEngine  bool    `json:"allow_create_engine"`
	AllowSampling      bool    `json:"allow_sampling"`
	AllowLogprobs      bool    `json:"allow_logprobs"`
	AllowSearchIndices bool    `json:"allow_search_indices"`
	AllowView          bool    `json:"allow_view"`
	AllowFineTuning    bool    `json:"allow_fine_tuning"`
	Organization       string  `json:"organization"`
	Group              *string `json:"group"`
	IsBlocking         bool    `json:"is_blocking"`
}

type modelList struct {
	Object string      `json:"object"`
	Data   []modelCard `json:"data"`
}

// handleModels answers GET /v1/models with vLLM's model card.
func (s *Server) handleModels(w http.ResponseWriter, _ *http.Request) (int, int) {
	card := modelCard{
		ID: s.cfg.Model, Object: "model", Created: s.created, OwnedBy: "vllm", Root: s.cfg.Model,
		MaxModelLen: s.cfg.MaxModelLen,
		Permission: []permission{{
			ID: "modelperm-sim", Object: "model_permission", Created: s.created,
			AllowSampling: true, AllowLogprobs: true, AllowView: true, Organization: "*",
		}},
	}
	return writeJSON(w, modelList{Object: "list", Data: []modelCard{card}}), 0
}

// handleVersion answers GET /version.
func (s *Server) handleVersion(w http.ResponseWriter, _ *http.Request) (int, int) {
	return writeJSON(w, map[string]string{"version": version}), 0
}

// tokenizeRequest is vLLM's TokenizeCompletionRequest or TokenizeChatRequest,
// told apart by messages. add_special_tokens is accepted and changes
// nothing: the simulator's tokenizer has no BOS.
type tokenizeRequest struct {
	Model    string          `json:"model"`
	Prompt   json.RawMessage `json:"prompt"`
	Messages []chatMessage   `json:"messages"`
	templateOptions
}

type tokenizeResponse struct {
	Count       int   `json:"count"`
	MaxModelLen int   `json:"max_model_len"`
	Tokens      []int `json:"tokens"`
}

// handleTokenize answers POST /tokenize with the simulator's tokens of a
// prompt, or of chat messages rendered by the chat template: the counts that
// the generation endpoints report as usage.prompt_tokens.
func (s *Server) handleTokenize(w http.ResponseWriter, r *http.Request) (int, int) {
	var req tokenizeRequest
	if err := json.NewDecoder(http.MaxBytesReader(nil, r.Body, maxBodyBytes)).Decode(&req); err != nil {
		return writeError(w, http.StatusBadRequest, "BadRequestError", "invalid JSON body: "+err.Error()), 0
	}
	if req.Model != "" && req.Model != s.cfg.Model {
		return writeError(w, http.StatusNotFound, "NotFoundError", modelNotFoundMessage(req.Model)), 0
	}
	var ids []int
	var err error
	if req.Messages != nil {
		ids, err = messagesTokens(req.Messages, req.templateOptions)
	} else {
		ids, err = promptTokens(req.Prompt)
	}
	if err != nil {
		return writeError(w, http.StatusBadRequest, "BadRequestError", err.Error()), 0
	}
	if ids == nil {
		ids = []int{}
	}
	return writeJSON(w, tokenizeResponse{Count: len(ids), MaxModelLen: s.cfg.MaxModelLen, Tokens: ids}), 0
}

func writeJSON(w http.ResponseWriter, v any) int {
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(v)
	return http.StatusOK
}
