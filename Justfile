# Everyday commands; each is a plain `go` call, so nothing here is needed
# to follow the README.

# put servebench on the PATH (in $(go env GOBIN), else $(go env GOPATH)/bin)
install:
    go install ./cmd/servebench

# run the tests (the README's test command)
test:
    go test ./...

# tests with the race detector, as CI runs them
race:
    go test -race ./...

# the quickstart on the built-in simulator
demo:
    go run ./cmd/servebench run scenarios/quickstart.yaml

# vet and format check
lint:
    go vet ./...
    test -z "$(gofmt -l .)"

# client, simulator and aggregation micro-benchmarks, then the client
# harness against the zero-latency simulator (see docs/performance.md);
# `just bench full` runs the full sizes behind the documented numbers;
# the 1 GB dataset stage and the replay schedule have recipes of their own
bench mode="quick":
    go test -run '^$' -bench . -skip 'DatasetStage1GB|ReplaySchedule' -benchmem ./engine/...
    go run ./cmd/servebench bench-client {{ if mode == "full" { "" } else { "--quick" } }}

# stream a generated 1 GB JSONL dataset through the dataset reader and
# samplers, then through a stage on the simulator, each in a child process:
# throughput and peak RSS (docs/performance.md)
bench-datasets:
    go test -run '^$' -bench 'Stream1GB|Index' -benchtime 1x -timeout 30m ./schema/dataset
    go test -run '^$' -bench DatasetStage1GB -benchtime 1x -timeout 30m ./engine

# a replay's send times against its trace, and the dispatcher's alone
# (docs/performance.md, "Replay schedule")
bench-replay:
    go test -run '^$' -bench ReplaySchedule -benchtime 1x ./engine
    go test -run '^$' -bench ScheduleLag -benchtime 1x ./engine/load

# regenerate golden files of the reports, the JSON Schema and the sample datasets
golden:
    go test ./reports/... -update
    go generate ./schema/...
    go generate ./scenarios/data/gen

# run each fuzz target for a while
fuzz time="60s":
    go test -run '^$' -fuzz FuzzLoad -fuzztime {{time}} ./schema
    go test -run '^$' -fuzz FuzzReadRun -fuzztime {{time}} ./schema
    go test -run '^$' -fuzz FuzzSSE -fuzztime {{time}} ./engine/client
    go test -run '^$' -fuzz FuzzImport -fuzztime {{time}} ./reports/vllmjson
    go test -run '^$' -fuzz FuzzJSONL -fuzztime {{time}} ./schema/dataset
    go test -run '^$' -fuzz FuzzShareGPT -fuzztime {{time}} ./schema/dataset
    go test -run '^$' -fuzz FuzzMooncake -fuzztime {{time}} ./schema/dataset
