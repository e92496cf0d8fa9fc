# A thin wrapper over meson: set-up (Debian build dependencies), build, run, check, install, bench, fuzz.
# `make run` and `make check` are the two commands README.md promises on a fresh Debian/Ubuntu machine.

BUILD      ?= build
ASAN_BUILD ?= build-asan
FUZZ_BUILD ?= build-fuzz
FUZZ_SECONDS ?= 60
CHECK_FUZZ_SECONDS ?= 10
PREFIX     ?= /usr/local
DESTDIR    ?=
MESON      ?= meson

# From Debian. What building needs (make run), then what the tests and benchmarks add (make check, bench):
# xmllint and jq read results independently, ss/lsof/getent/nginx/wrk/ndpiReader are the peers, chromium the browser.
# tools/captures.sh (regenerating tests/captures/) needs more: bind9-dnsutils redis-tools (and the daemons above);
# the traffic tests only read the committed captures.
BUILD_DEPS = gcc clang pkg-config meson ninja-build python3 \
	libjansson-dev zlib1g-dev libxml2-dev libcurl4-openssl-dev libmnl-dev \
	libmicrohttpd-dev libgnutls28-dev libsqlite3-dev libnftnl-dev libseccomp-dev libpcre2-dev \
	libpcap-dev libndpi-dev
TEST_DEPS = libcmocka-dev clang libclang-rt-dev \
	libxml2-utils jq man-db bash-completion zsh fish iproute2 lsof util-linux procps sqlite3 curl strace time \
	nftables iptables docker.io podman busybox-static \
	nginx openssh-server redis-server postgresql dnsmasq-base mosquitto chrony snmpd memcached slapd vsftpd \
	dovecot-imapd dovecot-pop3d openssl nmap \
	tcpdump libndpi-bin time
# Wanted by the browser test and the web benchmark only: when they cannot be installed, those say they
# are skipped instead of failing the whole set-up.
OPTIONAL_DEPS = chromium fonts-noto-color-emoji nginx wrk

.PHONY: all deps test-deps build run check test asan fuzz-build install bench fuzz clean web-deps

all: build

deps:
	@sh tools/deps.sh $(BUILD_DEPS)

test-deps: deps
	@sh tools/deps.sh $(TEST_DEPS)
	@sh tools/deps.sh $(OPTIONAL_DEPS) || echo "portlore: optional packages missing: their tests will be skipped" >&2

# Tests are configured only when cmocka is there (make check installs it; make run need not).
$(BUILD)/build.ninja:
	$(MESON) setup $(BUILD) --buildtype=debugoptimized --prefix=$(PREFIX) \
		-Dtests=$$(pkg-config --exists cmocka && echo true || echo false)

build: deps $(BUILD)/build.ninja
	$(MESON) compile -C $(BUILD)

run: build
	$(BUILD)/portlore 2908

# A build dir configured by `make run` before cmocka was installed: turn its tests on.
build-tests: test-deps $(BUILD)/build.ninja
	$(MESON) configure $(BUILD) -Dtests=true
	$(MESON) compile -C $(BUILD)

$(ASAN_BUILD)/build.ninja:
	$(MESON) setup $(ASAN_BUILD) --buildtype=debug -Dunit_only=true \
		-Db_sanitize=address,undefined -Db_lundef=false \
		-Dc_args=-fno-sanitize-recover=all

asan: test-deps $(ASAN_BUILD)/build.ninja
	$(MESON) compile -C $(ASAN_BUILD)

$(FUZZ_BUILD)/build.ninja:
	CC=clang $(MESON) setup $(FUZZ_BUILD) --buildtype=debugoptimized -Dfuzz=true -Dunit_only=true \
		-Db_sanitize=address,undefined -Db_lundef=false

fuzz-build: test-deps $(FUZZ_BUILD)/build.ninja
	$(MESON) compile -C $(FUZZ_BUILD)

# Each libFuzzer target for FUZZ_SECONDS (60 by default); make check runs them for 10 s each.
fuzz: fuzz-build
	bash tools/fuzz.sh $(FUZZ_BUILD) $(FUZZ_SECONDS)

# Every test: unit and integration on the normal build, then the unit tests again under ASan+UBSan.
# Both runs always happen; the summary's last line is "N passed, N failed, N skipped".
# The browser test's one npm package (playwright-core; it drives /usr/bin/chromium, never a downloaded
# browser). Without npm the test says it is skipped.
web-deps:
	@if command -v npm >/dev/null 2>&1; then \
		[ tests/web/node_modules/.package-lock.json -nt tests/web/package-lock.json ] || \
		(cd tests/web && PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --no-audit --no-fund --loglevel=error) || \
		echo "portlore: npm ci failed: the browser test will be skipped" >&2; \
	else echo "portlore: npm not found: the browser test will be skipped" >&2; fi

check: test-deps build-tests asan fuzz-build web-deps
	@$(MESON) test -C $(BUILD) --print-errorlogs --num-processes 2 >$(BUILD)/check.log 2>&1; \
	ASAN_OPTIONS=detect_leaks=1:abort_on_error=0 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
	$(MESON) test -C $(ASAN_BUILD) --print-errorlogs --num-processes 2 >$(ASAN_BUILD)/check.log 2>&1; \
	bash tools/fuzz.sh $(FUZZ_BUILD) $(CHECK_FUZZ_SECONDS) >$(FUZZ_BUILD)/fuzz.tap 2>&1; \
	grep -hE '^ *[0-9]+/[0-9]+ ' $(BUILD)/check.log $(ASAN_BUILD)/check.log | sed 's/^ *//'; \
	grep -E '^(not )?ok' $(FUZZ_BUILD)/fuzz.tap; \
	python3 tools/test-summary.py $(BUILD)/meson-logs/testlog.json $(ASAN_BUILD)/meson-logs/testlog.json \
		$(FUZZ_BUILD)/fuzz.tap

test: check

install: build
	$(MESON) configure $(BUILD) --prefix=$(PREFIX) >/dev/null
	DESTDIR=$(DESTDIR) $(MESON) install -C $(BUILD)

bench: test-deps build
	bash bench/registry.sh $(BUILD)/portlore
	bash bench/import.sh $(BUILD)/portlore
	bash bench/sockets.sh $(BUILD)/portlore
	bash bench/range.sh $(BUILD)/portlore
	@if [ "$$(id -u)" = 0 ]; then bash bench/netns.sh $(BUILD)/portlore; else echo "bench/netns.sh skipped: needs root"; fi
	bash bench/web.sh $(BUILD)/portlore
	bash bench/traffic.sh $(BUILD)/portlore
	bash bench/probe.sh $(BUILD)/portlore

clean:
	rm -rf $(BUILD) $(ASAN_BUILD) $(FUZZ_BUILD)
