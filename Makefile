# docker-machine-driver-xhyve
#
#   make build            bin/docker-machine-driver-xhyve for this host (make build GOOS=darwin for macOS)
#   make install          build and copy to $(PREFIX)/bin (PREFIX=/usr/local)
#   make test             go vet (linux and darwin) and every unit test with -race
#   make cross            darwin/amd64 and linux/amd64 binaries under bin/<os>-<arch>/
#   make demo             on Linux: the whole lifecycle through the real docker-machine CLI, in the sandbox
#   make e2e              on Linux: the end-to-end suite in the sandbox (root, QEMU)
#   make sandbox CMD=...  run CMD (default: a shell) in the sandbox
#   make selftest         on Linux: the xhyve stand-in and the sandbox checked on their own
#   make clean            remove bin/ (make clean-cache also drops the harness cache in .cache/)

BINARY  := docker-machine-driver-xhyve
PREFIX  ?= /usr/local
GOOS    ?= $(shell go env GOOS)
GOARCH  ?= $(shell go env GOARCH)
VERSION ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
LDFLAGS := -s -w -X main.version=$(VERSION)
GO      := CGO_ENABLED=0 go
CACHE   := $(CURDIR)/.cache
GUEST   := $(CACHE)/guest
SANDBOX := $(CURDIR)/test/sandbox/sandbox.sh

export GOFLAGS := -mod=vendor

.PHONY: all build install test vet unit cross clean clean-cache tools standin guest harness sandbox demo e2e selftest

all: build

build:
	GOOS=$(GOOS) GOARCH=$(GOARCH) $(GO) build -trimpath -ldflags '$(LDFLAGS)' -o bin/$(BINARY) .

install: build
	install -d $(DESTDIR)$(PREFIX)/bin
	install -m 0755 bin/$(BINARY) $(DESTDIR)$(PREFIX)/bin/$(BINARY)

vet:
	go vet ./...
	GOOS=darwin GOARCH=amd64 $(GO) vet ./...

# -race needs cgo in the test binary only; the plugin itself builds without.
unit:
	CGO_ENABLED=1 go test -race -count=1 ./...

test: vet unit

cross:
	GOOS=darwin GOARCH=amd64 $(GO) build -trimpath -ldflags '$(LDFLAGS)' -o bin/darwin-amd64/$(BINARY) .
	GOOS=linux GOARCH=amd64 $(GO) build -trimpath -ldflags '$(LDFLAGS)' -o bin/linux-amd64/$(BINARY) .

clean:
	rm -rf bin

clean-cache:
	rm -rf $(CACHE)

# ---- the Linux harness (see test/README.md) ----

# The real docker-machine v0.16.2 CLI, from its own pinned module.
tools: $(CACHE)/bin/docker-machine
$(CACHE)/bin/docker-machine: test/tools/go.mod test/tools/go.sum
	cd test/tools && GOFLAGS=-mod=mod $(GO) build -o $@ github.com/docker/machine/cmd/docker-machine

standin:
	$(GO) build -o $(CACHE)/bin/xhyve ./test/xhyve
	ln -sf xhyve $(CACHE)/bin/hyperkit

guest:
	test/guest/build.sh $(GUEST)
	install -m 0755 $(GUEST)/docker $(CACHE)/bin/docker

harness: build tools standin guest

sandbox: harness
	$(SANDBOX) $(if $(CMD),bash -c '$(subst ','\'',$(CMD))')

demo: harness
	$(SANDBOX) test/demo.sh

# internal/nfs runs here too: its nfsexports tests need the sandbox's /sbin/nfsd.
e2e: harness
	$(SANDBOX) go test -tags e2e -count=1 -timeout 75m -v ./test/e2e/ ./internal/nfs/

# The stand-in and sandbox on their own, with a tiny test guest.
selftest: build standin
	test/sandbox/selftest.sh
