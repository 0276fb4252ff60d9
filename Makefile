# cache-remediator. `make help` lists the targets.
SHELL := /usr/bin/env bash -o pipefail
.SHELLFLAGS := -ec
.DEFAULT_GOAL := help

IMG ?= ghcr.io/cache-remediator/cache-remediator:latest
CONTROLLER_GEN := go tool controller-gen
# Test flags: override with e.g. `make test TEST_FLAGS='-run TestX -v'`.
TEST_FLAGS ?=
GO_TEST_TIMEOUT ?= 20m
# Fault campaign: `make chaos CHAOS_SEED=123` replays a campaign's draws; CHAOS_FLAGS adds flags (`go run ./hack/chaos -h`).
CHAOS_SEED ?=
CHAOS_FLAGS ?=
# Demo flags: e.g. `make demo DEMO_FLAGS=-hold` keeps it running for kubectl after the summary.
DEMO_FLAGS ?=

.PHONY: help
help: ## Show this help.
	@awk 'BEGIN {FS = ":.*##"; printf "Usage: make <target>\n\nTargets:\n"} /^[a-zA-Z_-]+:.*?##/ { printf "  %-16s %s\n", $$1, $$2 }' $(MAKEFILE_LIST)

.PHONY: manifests
manifests: ## Generate the CRD and RBAC manifests from the API and controller markers.
	$(CONTROLLER_GEN) rbac:roleName=manager-role crd paths="./..." output:crd:artifacts:config=config/crd/bases output:rbac:artifacts:config=config/rbac

.PHONY: generate
generate: ## Generate the schedule types and time zones (hack/gen-timezones) and DeepCopy methods for the API types.
	go run ./hack/gen-timezones
	$(CONTROLLER_GEN) object:headerFile="hack/boilerplate.go.txt" paths="./api/..."

.PHONY: argocd-cm
argocd-cm: ## Generate config/argocd/argocd-cm.yaml (the Argo CD patch) from the Lua files.
	go run ./hack/argocd-cm

.PHONY: fmt
fmt: ## Run gofmt on the code.
	gofmt -w $$(git ls-files '*.go')

.PHONY: vet
vet: ## Run go vet.
	go vet ./...

.PHONY: verify-generated
verify-generated: manifests generate argocd-cm ## Fail if generated files are not current (run manifests and generate, then commit).
	@git diff --exit-code -- api config controllers/schedule || { echo "generated files are out of date: run 'make manifests generate' and commit"; exit 1; }

.PHONY: envtest
envtest: ## Build (or reuse) kube-apiserver, etcd and kubectl for envtest; prints their directory.
	@hack/install-envtest.sh

.PHONY: test-deps
test-deps: ## Install what the tests need that Go does not fetch (redis-server).
	@hack/install-test-deps.sh

.PHONY: test
test: test-deps vet ## Run all tests against a real kube-apiserver, the AWS simulator and real redis-server.
	KUBEBUILDER_ASSETS="$$(hack/install-envtest.sh)" go test -race -count=1 -timeout $(GO_TEST_TIMEOUT) $(TEST_FLAGS) ./...

.PHONY: bench
bench: test-deps ## Measure the design's targets (roll time vs physical limit, AWS calls per node and idle hour, hand-off write gaps, 10,000 policies): one table, and JSON in bench-results/.
	{ KUBEBUILDER_ASSETS="$$(hack/install-envtest.sh)" go test ./test/bench -run '^$$' -bench 'RollNineNodes|HandOffs' -benchtime 1x -count 1 -timeout 20m; \
	  KUBEBUILDER_ASSETS="$$(hack/install-envtest.sh)" go test ./test/bench -run '^$$' -bench 'IdleReconcile' -benchtime 1000x -count 1 -timeout 20m; \
	  KUBEBUILDER_ASSETS="$$(hack/install-envtest.sh)" go test ./test/bench -run '^$$' -bench 'TenThousandPolicies' -benchtime 1x -count 1 -timeout 60m; \
	  go test ./controllers/asgplanner ./controllers/asgobservation -run '^$$' -bench . -benchmem -count 1; } 2>&1 | go run ./hack/benchtable

.PHONY: chaos
chaos: test-deps ## Run the fault campaign: roll Redis (TerminateFirst, SurgeFirst) and ElastiCache under manager SIGKILLs, AWS and Redis faults; check the invariants.
	KUBEBUILDER_ASSETS="$$(hack/install-envtest.sh)" go run ./hack/chaos $(if $(CHAOS_SEED),-seed $(CHAOS_SEED)) $(CHAOS_FLAGS)

.PHONY: demo
demo: test-deps ## Run the demo: local control plane, AWS simulator, real Redis nodes, the manager rolling the samples.
	KUBEBUILDER_ASSETS="$$(hack/install-envtest.sh)" go run ./hack/demo $(DEMO_FLAGS)

.PHONY: build
build: ## Build the manager and the AWS simulator into bin/.
	go build -o bin/manager ./cmd/manager
	go build -o bin/awssim ./cmd/awssim

.PHONY: run
run: ## Run the manager against the cluster in the current kubeconfig.
	go run ./cmd/manager

.PHONY: docker-build
docker-build: ## Build the manager image (needs a Docker engine).
	docker build -t $(IMG) .

.PHONY: docker-push
docker-push: ## Push the manager image.
	docker push $(IMG)
