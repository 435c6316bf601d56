# docker-machine-driver-xhyve
#
#   make build            bin/docker-machine-driver-xhyve for this host (make build GOOS=darwin for macOS)
#   make install          build and copy to $(PREFIX)/bin (PREFIX=/usr/local)
#   make test             go vet (every build-tag set, linux and darwin) and staticcheck, every unit test with -race, every fuzz test briefly
#   make cross            darwin/amd64 and linux/amd64 binaries under bin/<os>-<arch>/
#   make demo             on Linux: the whole lifecycle through the real docker-machine CLI, in the sandbox
#   make e2e              on Linux: the end-to-end suite in the sandbox (root, QEMU)
#   make faults           on Linux: the fault suite (killed plugins, crashes, concurrency, full disk, damaged ISOs)
#   make bench            on Linux: the figures (create, status, ls, NFS, footprint) as a table and JSON
#   make sandbox CMD=...  run CMD (default: a shell) in the sandbox
#   make selftest         on Linux: the xhyve stand-in and the sandbox checked on their own
#   make iso              on Linux: the product boot2docker.iso from Debian trixie packages in .cache/iso/ (iso/README.md)
#   make iso-check        on Linux: two iso builds compared, the ISO booted from CD and by -kernel in QEMU and checked
#   make release-iso      on Linux: the ISO this release boots by default, from iso/release.lock, checked against internal/release/iso.txt
#   make release VERSION=vX.Y.Z   dist/: the macOS plugin, its ISO and SHA256SUMS (docs/release.md)
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

.PHONY: all build install test vet unit fuzz cross clean clean-cache tools standin guest harness sandbox demo e2e faults bench selftest iso iso-check release-iso release-pin release

all: build

build:
	GOOS=$(GOOS) GOARCH=$(GOARCH) $(GO) build -trimpath -ldflags '$(LDFLAGS)' -o bin/$(BINARY) .

install: build
	install -d $(DESTDIR)$(PREFIX)/bin
	install -m 0755 bin/$(BINARY) $(DESTDIR)$(PREFIX)/bin/$(BINARY)

# make vet: go vet and staticcheck over every build the repository has, the
# plugin's and each test suite's tag set (make e2e, faults, bench, selftest),
# for linux and for darwin where the files build (bench uses Linux's statfs;
# test/selftest, for inotify and Linux's ptys, is all *_linux_test.go, so
# on darwin the selftest tag vets test/sandbox only).
# staticcheck sees all builds as one matrix, so a helper that only some
# builds use is not reported unused. Its checks: staticcheck.conf files.
VET_TAGS_linux  := plain e2e e2e,faults e2e,bench selftest
VET_TAGS_darwin := plain e2e e2e,faults selftest
VET_BUILDS = for os in linux darwin; do \
		arch=$$(go env GOARCH); [ $$os = darwin ] && arch=amd64; \
		tags="$(VET_TAGS_linux)"; [ $$os = darwin ] && tags="$(VET_TAGS_darwin)"; \
		for t in $$tags; do [ $$t = plain ] && t=; echo "$$os $$arch $$t"; done; \
	done
STATICCHECK_VERSION := v0.8.2
STATICCHECK := $(CACHE)/bin/staticcheck
vet: staticcheck-tool
	@$(VET_BUILDS) | while read os arch tags; do \
		echo "go vet GOOS=$$os GOARCH=$$arch -tags '$$tags' ./..."; \
		GOOS=$$os GOARCH=$$arch $(GO) vet -tags "$$tags" ./... || exit 1; \
	done
	@echo "staticcheck $(STATICCHECK_VERSION) ./... for:" $$($(VET_BUILDS) | tr ' ' / | tr '\n' ' ')
	@$(VET_BUILDS) | while read os arch tags; do \
		echo "$$os$${tags:+_}$$(echo $$tags | tr , _): GOOS=$$os GOARCH=$$arch$${tags:+ -tags=$$tags}"; \
	done | CGO_ENABLED=0 $(STATICCHECK) -matrix ./...
	@for m in $(FORKS); do (cd $$m && GOFLAGS=-mod=mod go vet ./...) || exit 1; done
	@$(MAKE) --no-print-directory vendor-check

# vendor/ must be what `go mod vendor` makes of go.mod and third_party/: the
# build reads vendor/, so an edit to a fork that was not vendored again is
# not in the plugin, and its tests would pass against code that does not ship.
.PHONY: vendor-check
vendor-check:
	@tmp=$$(mktemp -d) && trap 'rm -rf "$$tmp"' EXIT && \
	GOFLAGS= go mod vendor -o "$$tmp/vendor" && \
	if ! diff -r -q vendor "$$tmp/vendor"; then \
		echo "vendor/ is out of date: run go mod vendor"; exit 1; fi; \
	echo "vendor/ matches go.mod and third_party/"

# staticcheck at a pinned version in .cache/bin, from the module proxy (not
# vendored: it is no dependency of the module).
.PHONY: staticcheck-tool
staticcheck-tool:
	@$(STATICCHECK) -version 2>/dev/null | grep -qF '($(STATICCHECK_VERSION:v%=%))' || { \
		echo "installing staticcheck $(STATICCHECK_VERSION) in $(CACHE)/bin"; \
		GOBIN=$(CACHE)/bin GOFLAGS=-mod=mod $(GO) install honnef.co/go/tools/cmd/staticcheck@$(STATICCHECK_VERSION); }

# -race needs cgo in the test binary only; the plugin itself builds without.
# The patched forks in third_party/ are modules of their own, outside ./...:
# their tests run in each, with their dependencies from the module proxy.
FORKS := third_party/go-xdr third_party/go-nfs-client third_party/go-nfs third_party/gvisor-tap-vsock
unit:
	CGO_ENABLED=1 go test -race -count=1 ./...
	@for m in $(FORKS); do \
		echo "unit $$m"; \
		(cd $$m && GOFLAGS=-mod=mod CGO_ENABLED=1 go test -race -count=1 ./...) || exit 1; \
	done

# Each fuzz test for a fixed number of inputs (a time budget can end in a
# spurious "context deadline exceeded" on Go 1.26); FUZZ=5000x for more.
FUZZ ?= 1500x
fuzz:
	@for pkg in $$(go list ./...); do \
		for f in $$(go test -list '^Fuzz' $$pkg | grep '^Fuzz'); do \
			echo "fuzz $$pkg $$f"; \
			CGO_ENABLED=0 go test -run '^$$' -fuzz "^$$f\$$" -fuzztime $(FUZZ) $$pkg >/dev/null || { CGO_ENABLED=0 go test -run '^$$' -fuzz "^$$f\$$" -fuzztime $(FUZZ) $$pkg; exit 1; }; \
		done; \
	done

test: vet unit fuzz

cross:
	GOOS=darwin GOARCH=amd64 $(GO) build -trimpath -ldflags '$(LDFLAGS)' -o bin/darwin-amd64/$(BINARY) .
	GOOS=linux GOARCH=amd64 $(GO) build -trimpath -ldflags '$(LDFLAGS)' -o bin/linux-amd64/$(BINARY) .

clean:
	rm -rf bin

clean-cache:
	rm -rf $(CACHE)

# ---- the Linux harness (see test/README.md) ----

# Host packages: each target first makes sure the Debian packages it needs
# are installed (test/host-packages.sh installs the missing ones as root, or
# prints the one apt-get command to run); Go itself comes from go.dev.
HOSTPKG      := test/host-packages.sh
PKGS_UNIT    := test/unit-packages.txt
PKGS_TOOLS   := test/tools/host-packages.txt
PKGS_GUEST   := test/guest/host-packages.txt
PKGS_SANDBOX := test/sandbox/host-packages.txt
NEED_GO      := command -v go >/dev/null 2>&1 || { echo "go not found on PATH: install Go from https://go.dev/dl/ (Debian's golang-go is too old) and add its bin/ to PATH" >&2; exit 1; }

.PHONY: host-packages-unit host-packages-tools host-packages-guest host-packages-sandbox rancher-tools
host-packages-unit:
	@$(NEED_GO)
	@$(HOSTPKG) $(PKGS_UNIT)
host-packages-tools:
	@$(NEED_GO)
	@$(HOSTPKG) $(PKGS_TOOLS)
host-packages-guest:
	@$(HOSTPKG) $(PKGS_GUEST)
# everything a sandbox run needs, checked before the long builds start
host-packages-sandbox:
	@$(NEED_GO)
	@$(HOSTPKG) $(PKGS_TOOLS) $(PKGS_GUEST) $(PKGS_SANDBOX)

# make test: go vet needs Go, go test -race also cgo (gcc, libc6-dev). These
# lines only add a prerequisite to the targets defined above.
vet unit: host-packages-unit

# The real docker-machine v0.16.2 CLI, from its own pinned module.
tools: $(CACHE)/bin/docker-machine
$(CACHE)/bin/docker-machine: test/tools/go.mod test/tools/go.sum | host-packages-tools
	cd test/tools && GOFLAGS=-mod=mod $(GO) build -o $@ github.com/docker/machine/cmd/docker-machine

# Rancher's fork (rancher-machine), which starts plugins with its own
# arguments, from its own pinned module; only the e2e suite uses it.
rancher-tools: $(CACHE)/bin/rancher-machine
$(CACHE)/bin/rancher-machine: test/tools/rancher/go.mod test/tools/rancher/go.sum | host-packages-tools
	cd test/tools/rancher && GOFLAGS=-mod=mod $(GO) build -o $@ github.com/rancher/machine/cmd/rancher-machine

# The hypervisor stand-in (test/standin), installed as the two names the
# driver looks for.
standin:
	@$(NEED_GO)
	$(GO) build -o $(CACHE)/bin/xhyve ./test/standin
	ln -sf xhyve $(CACHE)/bin/hyperkit

guest: host-packages-guest
	test/guest/build.sh $(GUEST)
	install -m 0755 $(GUEST)/docker $(CACHE)/bin/docker

harness: host-packages-sandbox build tools standin guest release-iso

sandbox: harness
	$(SANDBOX) $(if $(CMD),bash -c '$(subst ','\'',$(CMD))')

demo: harness
	$(SANDBOX) test/sandbox/as-user test/demo.sh

# internal/nfs runs here too: its nfsexports tests need the sandbox's /sbin/nfsd.
e2e: harness rancher-tools
	$(SANDBOX) go test -tags e2e -count=1 -timeout 75m -v ./test/e2e/ ./internal/nfs/

# The fault suite: a few real machines under injected faults.
faults: harness
	$(SANDBOX) go test -tags 'e2e faults' -count=1 -timeout 45m -v -run TestFaults ./test/e2e/

# The figures: one sandbox session, every figure from the same run; the
# table is printed and written to bench.json.
bench: harness
	@$(HOSTPKG) test/bench-packages.txt
	$(SANDBOX) go test -tags 'e2e bench' -count=1 -timeout 60m -v -run TestBench ./test/e2e/

# The stand-in and the sandbox on their own, with a tiny test guest
# (test/sandbox/testguest.sh), no driver: the stand-in's unit tests and its
# contract with the driver's golden command lines, the sandbox seen from the
# host (test/sandbox, tag selftest), then the stand-in, DHCP and NFS server
# inside a sandbox (test/selftest, tag selftest).
TESTGUEST := $(CACHE)/testguest
selftest: host-packages-sandbox standin
	test/sandbox/testguest.sh $(TESTGUEST)
	$(GO) test -count=1 ./test/standin/...
	SELFTEST_GUEST=$(TESTGUEST) go test -tags selftest -count=1 -timeout 20m -v ./test/sandbox/
	SELFTEST_GUEST=$(TESTGUEST) $(SANDBOX) go test -tags selftest -count=1 -timeout 40m -v -run '^TestSelftest' ./test/selftest/

# The guest (test/guest) on its own, booted as the driver boots it through
# the stand-in in the sandbox, with what docker-machine relies on checked;
# at the end the real CLI provisions it with its generic driver (no plugin).
.PHONY: guest-smoke
guest-smoke: host-packages-sandbox tools standin guest
	$(SANDBOX) go test -tags selftest -count=1 -timeout 30m -v -run '^TestGuestSmoke$$' ./test/selftest/

# The product ISO (iso/README.md): .cache/iso/boot2docker.iso, its sha256 and
# manifest.txt, from Debian trixie packages (root); iso-check proves it.
iso:
	iso/build.sh $(CACHE)/iso

iso-check:
	iso/check.sh

# The release's ISO (docs/release.md): built from exactly the packages of
# iso/release.lock, it must be the bytes whose size and sha256 the plugin
# carries (internal/release/iso.txt). The sandbox serves it at the release
# URL, so every create without --xhyve-boot2docker-url boots it.
RELEASE_ISO := $(CACHE)/release-iso
ISO_FACT = $$(awk '$$1 == "$(1)" { print $$2 }' internal/release/iso.txt)
release-iso:
	ISO_PIN=iso/release.lock iso/build.sh $(RELEASE_ISO)
	@want=$(call ISO_FACT,sha256); got=$$(sha256sum < $(RELEASE_ISO)/boot2docker.iso | cut -d' ' -f1); \
	[ "$$got" = "$$want" ] || { echo "release-iso: this tree builds $$got, not the release's $$want (internal/release/iso.txt); make release-pin updates both (docs/release.md)" >&2; exit 1; }; \
	echo "release-iso: $(RELEASE_ISO)/boot2docker.iso is the release's ISO (sha256 $$want)"

# A new release ISO: today's packages (apt lists updated), pinned in
# iso/release.lock, its size and sha256 written to internal/release/iso.txt
# (the URL is kept, or set to VERSION's when one is given). KEEP_PACKAGES=1
# keeps the lock's packages: for a change of the ISO's own files.
release-pin:
	$(if $(KEEP_PACKAGES),ISO_PIN=iso/release.lock ISO_APT_UPDATE=0,ISO_APT_UPDATE=1) ISO_FORCE=1 iso/build.sh $(CACHE)/iso
	cp $(CACHE)/iso/manifest.txt iso/release.lock
	@url=$(call ISO_FACT,url); \
	case "$(origin VERSION)" in "command line"|environment) url=$${url%/download/*}/download/$(VERSION)/boot2docker.iso ;; esac; \
	sed -i -e "s|^url .*|url $$url|" \
		-e "s|^size .*|size $$(stat -c %s $(CACHE)/iso/boot2docker.iso)|" \
		-e "s|^sha256 .*|sha256 $$(sha256sum < $(CACHE)/iso/boot2docker.iso | cut -d' ' -f1)|" internal/release/iso.txt
	@cat internal/release/iso.txt | grep -v '^#'

# What a release publishes (docs/release.md): the plugin for macOS, the ISO
# the plugin names, and their sha256 sums, in dist/.
release: release-iso
	@case "$(origin VERSION)" in "command line"|environment) ;; *) echo "release: name it: make release VERSION=vX.Y.Z" >&2; exit 1 ;; esac
	@case "$(call ISO_FACT,url)" in */download/$(VERSION)/boot2docker.iso) ;; \
	*) echo "release: internal/release/iso.txt names $(call ISO_FACT,url), not $(VERSION)'s; make release-pin VERSION=$(VERSION)" >&2; exit 1 ;; esac
	rm -rf dist && mkdir dist
	GOOS=darwin GOARCH=amd64 $(GO) build -trimpath -ldflags '$(LDFLAGS)' -o dist/$(BINARY) .
	cp $(RELEASE_ISO)/boot2docker.iso $(RELEASE_ISO)/manifest.txt dist/
	cd dist && sha256sum $(BINARY) boot2docker.iso manifest.txt > SHA256SUMS && cat SHA256SUMS
