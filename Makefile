# SPDX-License-Identifier: GPL-2.0
# dmapool-bench: benchmark and trace the kernel's atomic DMA pools.
#
#   make deps    install the Debian packages we need (idempotent)
#   make         build the module for the guest kernel and the host tests
#   make test    host unit tests, then guest suites through tools/dmapool-vm
#   make help    targets and variables
#
# Quiet by default; V=1 shows every command.

# No .SECONDARY: without targets it makes every target intermediate, and a
# deleted skeleton or schema header was not rebuilt for an up-to-date CLI.
# Nothing here is an intermediate: each kernel's vmlinux.btf and vmlinux.h
# are named through KVER (modules-all sets it per kernel).
.DELETE_ON_ERROR:
.SUFFIXES:
MAKEFLAGS += --no-builtin-rules

V ?= 0
ifeq ($(V),1)
Q :=
msg = @true
else
Q := @
msg = @printf '  %-7s %s\n' '$(1)' '$(2)'
MAKEFLAGS += --no-print-directory
endif

TOP := $(CURDIR)
BUILD := $(TOP)/build
VM := $(TOP)/tools/dmapool-vm

# ARCH=arm64 cross-builds module, BPF programs and CLI for Debian's arm64
# kernels (tools/arm64-root unpacks them, their headers and the CLI's
# sysroot under build/arm64/root); outputs go to build/arm64/ (the CLI to
# build/arm64/dmapool-bench, modules to build/arm64/KVER/). Without ARCH,
# everything is built for this host (x86-64) as before.
ifeq ($(ARCH),arm64)
OUT := $(BUILD)/arm64
KROOT := $(OUT)/root
ARM64_KERNELS = $(shell tools/arm64-root --print-kernels 2>/dev/null)
KVER ?= $(lastword $(ARM64_KERNELS))
TEST_KVERS ?= $(ARM64_KERNELS)
KBUILD_CROSS := ARCH=arm64 CROSS_COMPILE=aarch64-linux-gnu-
BTF_OBJCOPY := aarch64-linux-gnu-objcopy
BPF_ARCH := arm64
ifeq ($(origin CC),default)
CC := aarch64-linux-gnu-gcc
endif
PKG_CONFIG := PKG_CONFIG_SYSROOT_DIR=$(KROOT) \
	PKG_CONFIG_LIBDIR=$(KROOT)/usr/lib/aarch64-linux-gnu/pkgconfig:$(KROOT)/usr/share/pkgconfig \
	pkg-config
CLI_SYSROOT := --sysroot=$(KROOT)
ifneq ($(filter-out help clean distclean deps,$(or $(MAKECMDGOALS),all)),)
ifeq ($(strip $(KVER)),)
$(error ARCH=arm64: no arm64 kernel in build/arm64/root: run 'make deps' (tools/arm64-root))
endif
endif
# The tests, tools and gates run on this host: they are built without ARCH
# (make test builds and tests the arm64 part itself).
ARM64_GOALS := all module modules-all cli help clean distclean deps
ifneq ($(filter-out $(ARM64_GOALS),$(MAKECMDGOALS)),)
$(error ARCH=arm64 builds $(filter-out help clean distclean deps,$(ARM64_GOALS)) only; run '$(filter-out $(ARM64_GOALS),$(MAKECMDGOALS))' without ARCH)
endif
else
OUT := $(BUILD)
KROOT :=
# The guest kernel to build for and boot (default: newest installed non-RT with
# headers). Resolved lazily so `make deps` and `make help` need no kernel.
KVER ?= $(shell $(VM) --print-kernel 2>/dev/null)
# Every kernel `make test` runs the guest suites on.
TEST_KVERS ?= $(shell $(VM) --list-kernels 2>/dev/null)
KBUILD_CROSS :=
BTF_OBJCOPY := objcopy
BPF_ARCH := x86
PKG_CONFIG := pkg-config
CLI_SYSROOT :=
endif
KDIR ?= $(KROOT)/usr/src/linux-headers-$(KVER)

# Warnings are errors here and in CI; a distribution build (debian/rules)
# sets WERROR= so that a newer compiler's new warning does not stop it.
WERROR ?= -Werror

MODULE_SRCS := $(wildcard bench-module/*.c bench-module/*.h) \
	bench-module/Kbuild include/uapi/dmapool_bench.h

CC ?= cc
HOST_CFLAGS := -std=c11 -D_GNU_SOURCE -O1 -g -Wall -Wextra $(WERROR) \
	-fsanitize=address,undefined -fno-sanitize-recover=all \
	-Ibench-module -Iinclude/uapi -Ibpf -Itools/dmapool-bench
UNIT_TESTS := $(patsubst tests/unit/%.c,$(BUILD)/tests/%,$(wildcard tests/unit/test_*.c))

ifeq ($(ARCH),arm64)
all: module cli
else
all: module unit cli doc
endif

# The arm64 part, from an x86 make: packages, then every arm64 kernel's
# module and the arm64 CLI.
# (Kernel lists given explicitly: an x86 KVER or TEST_KVERS from the command
# line or the environment must not reach the arm64 make.)
arm64:
	$(Q)tools/arm64-root >/dev/null
	$(Q)k="$$(tools/arm64-root --print-kernels)" && \
		$(MAKE) ARCH=arm64 KVER="$$(echo "$$k" | tail -n 1)" TEST_KVERS="$$(echo $$k)" \
			modules-all cli

# --- the module, one build directory per kernel --------------------------
module: $(OUT)/$(KVER)/dmapool_bench.ko

modules-all:
	$(Q)for k in $(TEST_KVERS); do $(MAKE) module KVER=$$k || exit; done

$(OUT)/%/vmlinux.btf: tools/vmlinux-btf
	$(call msg,BTF,$@)
	$(Q)mkdir -p $(@D)
	$(Q)tools/vmlinux-btf $(if $(KROOT),--root $(KROOT)) $* $@

# Kbuild builds in a directory of symlinks so that several kernels' objects
# can coexist; module BTF is added with pahole when Kbuild could not (Debian's
# 6.1 headers ship no vmlinux), against the BTF of the kernel we boot.
$(OUT)/%/dmapool_bench.ko: $(MODULE_SRCS) $(OUT)/%/vmlinux.btf
	$(call msg,KBUILD,$@)
	$(Q)test -d $(KROOT)/usr/src/linux-headers-$* || \
		{ echo "make: no headers for kernel $*: run 'make deps'" >&2; exit 1; }
	$(Q)mkdir -p $(OUT)/$*/module
	$(Q)for f in $(MODULE_SRCS); do ln -sf $(TOP)/$$f $(OUT)/$*/module/; done
	$(Q)$(MAKE) -C $(KROOT)/usr/src/linux-headers-$* M=$(OUT)/$*/module $(KBUILD_CROSS) \
		LLVM_OBJCOPY=$(BTF_OBJCOPY) $(if $(WERROR),,DMAPOOL_NO_WERROR=1) \
		DMAPOOL_UAPI=$(TOP)/include/uapi $(if $(filter 1,$(V)),V=1) modules \
		$(if $(filter 1,$(V)),,>$(OUT)/$*/kbuild.log 2>&1) || \
		{ cat $(OUT)/$*/kbuild.log >&2; exit 1; }
	$(Q)cp $(OUT)/$*/module/dmapool_bench.ko $@.tmp
	$(Q)readelf -S $@.tmp | grep -q '\.BTF' || \
		LLVM_OBJCOPY=$(BTF_OBJCOPY) pahole -J --btf_gen_floats -j --lang_exclude=rust \
			--btf_base $(OUT)/$*/vmlinux.btf $@.tmp
	$(Q)mv $@.tmp $@

# make bench: the same sources with the dmapool_bench tracepoints compiled out
# (no BTF: nothing attaches to it).
$(OUT)/%/notrace/dmapool_bench.ko: $(MODULE_SRCS)
	$(call msg,KBUILD,$@)
	$(Q)test -d $(KROOT)/usr/src/linux-headers-$* || \
		{ echo "make: no headers for kernel $*: run 'make deps'" >&2; exit 1; }
	$(Q)mkdir -p $(OUT)/$*/notrace-src
	$(Q)for f in $(MODULE_SRCS); do ln -sf $(TOP)/$$f $(OUT)/$*/notrace-src/; done
	$(Q)$(MAKE) -C $(KROOT)/usr/src/linux-headers-$* M=$(OUT)/$*/notrace-src $(KBUILD_CROSS) \
		DMAPOOL_UAPI=$(TOP)/include/uapi DMAPOOL_NOTRACE=1 \
		$(if $(filter 1,$(V)),V=1) modules \
		$(if $(filter 1,$(V)),,>$(OUT)/$*/kbuild-notrace.log 2>&1) || \
		{ cat $(OUT)/$*/kbuild-notrace.log >&2; exit 1; }
	$(Q)mkdir -p $(@D)
	$(Q)cp $(OUT)/$*/notrace-src/dmapool_bench.ko $@

# --- BPF: vmlinux.h and the tracepoint records from the target's BTF -------
BPF_OUT := $(OUT)/bpf
CLANG ?= clang
BPFTOOL ?= bpftool
# (-fdebug-compilation-dir, -ffile-prefix-map: the skeletons' BTF names
# sources relative to the tree, so that the CLI does not depend on where it
# was built.)
BPF_CFLAGS := -g -O2 -target bpf -mcpu=v3 -D__TARGET_ARCH_$(BPF_ARCH) -Wall $(WERROR) \
	-fdebug-compilation-dir=. -ffile-prefix-map=$(TOP)/= -I$(BPF_OUT) -Ibpf -Iinclude/uapi \
	-Ibench-module

$(OUT)/%/vmlinux.h: $(OUT)/%/vmlinux.btf
	$(call msg,GEN,$@)
	$(Q)$(BPFTOOL) btf dump file $< format c >$@.tmp && mv $@.tmp $@

# The classic-tracepoint programs read the trace records; their layout is
# TP_STRUCT__entry in the module, taken from the module's BTF.
$(BPF_OUT)/dmapool_tp.h: $(OUT)/$(KVER)/dmapool_bench.ko $(OUT)/$(KVER)/vmlinux.btf
	$(call msg,GEN,$@)
	$(Q)mkdir -p $(@D)
	$(Q){ echo '/* generated from the module BTF of $(KVER): do not edit */'; \
	  $(BPFTOOL) -B $(OUT)/$(KVER)/vmlinux.btf btf dump file $< format c | \
	  awk '/^struct trace_event_raw_pool_[a-z]+ \{/,/^\};/'; } >$@
	$(Q)test $$(grep -c '^struct trace_event_raw_pool_' $@) -eq 6 || \
		{ echo "make: $< lacks the 6 trace_event_raw_pool_* types (module BTF?)" >&2; exit 1; }

$(BPF_OUT)/vmlinux.h: $(OUT)/$(KVER)/vmlinux.h
	$(Q)mkdir -p $(@D)
	$(Q)cp $< $@

BPF_HDRS := bpf/dmapool.h bpf/maps.bpf.h bpf/holders.bpf.h bpf/ctx.bpf.h include/uapi/dmapool_bench.h \
	bench-module/pool_logic.h $(BPF_OUT)/vmlinux.h

$(BPF_OUT)/dmapool.bpf.o: bpf/dmapool.bpf.c $(BPF_HDRS) $(BPF_OUT)/dmapool_tp.h
	$(call msg,BPF,$@)
	$(Q)$(CLANG) $(BPF_CFLAGS) -c $< -o $@

# The running kernel's own pool (monitor --target kernel).
$(BPF_OUT)/kpool.bpf.o: bpf/kpool.bpf.c $(BPF_HDRS)
	$(call msg,BPF,$@)
	$(Q)$(CLANG) $(BPF_CFLAGS) -c $< -o $@

$(BPF_OUT)/%.skel.h: $(BPF_OUT)/%.bpf.o
	$(call msg,GEN-SKEL,$@)
	$(Q)$(BPFTOOL) gen skeleton $< name $*_bpf >$@

# --- the CLI -----------------------------------------------------------------
CLI := $(OUT)/dmapool-bench
CLI_SRCS := $(wildcard tools/dmapool-bench/*.c) bench-module/spec.c
GEN := $(BUILD)/gen
CLI_HDRS := $(wildcard tools/dmapool-bench/*.h) bench-module/spec.h bpf/dmapool.h \
	include/uapi/dmapool_bench.h $(BPF_OUT)/dmapool.skel.h $(BPF_OUT)/kpool.skel.h \
	$(GEN)/result.schema.h $(GEN)/bench.schema.h $(GEN)/recommend.schema.h \
	$(GEN)/profile.schema.h
# The version the CLI and the man pages report (debian/rules passes the
# package's).
VERSION ?= $(shell git describe --always --dirty 2>/dev/null || echo unknown)
CLI_CFLAGS := -std=c11 -D_GNU_SOURCE -O2 -g -Wall -Wextra $(WERROR) \
	-DDMAPOOL_VERSION='"$(VERSION)"' -I$(BPF_OUT) -I$(GEN) -Ibpf -Iinclude/uapi -Ibench-module \
	$(shell $(PKG_CONFIG) --cflags json-c 2>/dev/null) \
	$(shell $(PKG_CONFIG) --cflags libtracefs libtraceevent)
CLI_LIBS := -lbpf -ljson-c -lelf -lz -lm -ltracefs -ltraceevent

cli: $(CLI)

$(CLI): $(CLI_SRCS) $(CLI_HDRS)
	$(call msg,CC,$@)
	$(Q)$(CC) $(CLI_SYSROOT) $(CLI_CFLAGS) $(CPPFLAGS) $(CFLAGS) $(LDFLAGS) $(CLI_SRCS) \
		$(CLI_LIBS) -o $@

# Man pages and bash completion, generated from the CLI's option tables
# (DMAPOOL_BENCH_HELP=doc) and dmapool-vm's usage: they cannot drift.
DOC := $(BUILD)/doc
DOC_FILES := $(DOC)/dmapool-bench.8 $(DOC)/dmapool-vm.1 $(DOC)/dmapool-bench.bash-completion

doc: $(DOC_FILES)

$(DOC_FILES) &: $(CLI) tools/gen-doc tools/dmapool-vm tools/dmapool-bench/main.h \
		tools/dmapool-bench/gate.h
	$(call msg,GEN,$(DOC)/)
	$(Q)VERSION='$(VERSION)' tools/gen-doc $(CLI) $(DOC)

# The schema files the CLI checks its inputs against, as C strings. build/gen
# is shared by the x86 and the arm64 builds: each header appears whole (a
# temporary renamed), and `make arm64` has them made before its sub-make.
GEN_HDRS := $(filter $(GEN)/%,$(CLI_HDRS))
gen_schema = $(Q)mkdir -p $(@D) && \
	{ echo '/* generated from $<: do not edit */'; \
	  echo 'static const char $(1)_schema_text[] = {'; \
	  od -An -v -tx1 $< | sed 's/ \([0-9a-f][0-9a-f]\)/0x\1,/g'; \
	  echo '0x00 };'; } >$@.tmp.$$$$ && mv $@.tmp.$$$$ $@

$(GEN)/%.schema.h: tools/dmapool-bench/%.schema.json
	$(call msg,GEN,$@)
	$(call gen_schema,$(subst -,_,$*))

# Driver profiles' schema lives with them (profiles/).
$(GEN)/profile.schema.h: profiles/profile.schema.json
	$(call msg,GEN,$@)
	$(call gen_schema,profile)

arm64: $(GEN_HDRS)

# The CLI with ASan/UBSan, for the fuzz campaign (tests/host/test-fuzz.sh).
CLI_ASAN := $(BUILD)/asan/dmapool-bench

cli-asan: $(CLI_ASAN)

$(CLI_ASAN): $(CLI_SRCS) $(CLI_HDRS)
	$(call msg,CC,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(filter-out -O2,$(CLI_CFLAGS)) -O1 -fno-omit-frame-pointer \
		-fsanitize=address,undefined -fno-sanitize-recover=all \
		$(CLI_SRCS) $(CLI_LIBS) -o $@

# --- host unit tests -----------------------------------------------------
unit: $(UNIT_TESTS)

UNIT_DEPS := tests/unit/tap.h tests/unit/cli_msgs.h bench-module/pool_logic.h bench-module/spec.h \
	include/uapi/dmapool_bench.h bpf/dmapool.h $(wildcard tools/dmapool-bench/*.h)
# Every unit test links UNIT_SRCS; test_NAME links UNIT_SRCS_test_NAME too
# (the pure parts of the CLI it tests).
UNIT_SRCS := bench-module/spec.c tools/dmapool-bench/stats.c
UNIT_SRCS_test_gate := tools/dmapool-bench/gate-rules.c
UNIT_SRCS_test_hist := tools/dmapool-bench/hist.c
UNIT_SRCS_test_compare_search := tools/dmapool-bench/compare-search.c
UNIT_SRCS_test_opts := tools/dmapool-bench/opts.c
UNIT_SRCS_test_holders := tools/dmapool-bench/holders.c
UNIT_LIBS_test_holders := -ljson-c
UNIT_SRCS_test_replay := tools/dmapool-bench/replay-sched.c
UNIT_SRCS_test_fleet := tools/dmapool-bench/fleet.c
UNIT_LIBS_test_fleet := -ljson-c
UNIT_SRCS_test_capfile := tools/dmapool-bench/capfile.c tools/dmapool-bench/afile.c
UNIT_LIBS_test_capfile := -ljson-c -lz

.SECONDEXPANSION:
$(BUILD)/tests/%: tests/unit/%.c $(UNIT_DEPS) $(UNIT_SRCS) $$(UNIT_SRCS_$$*)
	$(call msg,CC,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(HOST_CFLAGS) $< $(UNIT_SRCS) $(UNIT_SRCS_$*) -lm $(UNIT_LIBS_$*) -o $@

# Host test of the BPF object against the host kernel's verifier.
$(BUILD)/tests/test_bpf_verifier: tests/host/test_bpf_verifier.c tests/unit/tap.h \
		$(BPF_OUT)/dmapool.skel.h
	$(call msg,CC,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) -std=c11 -D_GNU_SOURCE -O1 -g -Wall -Wextra -Werror -I$(BPF_OUT) \
		-Ibpf -Iinclude/uapi $< -lbpf -lelf -lz -o $@

# Guest-side test tools: built on the host, run inside tools/dmapool-vm (the
# guest's root is the host's /). dmapool-fuzz: the fuzz campaign's generator
# (tests/guest/fuzz.sh) and the latency sampler of tests/guest/lockup.sh.
GUEST_TOOLS := $(BUILD)/tests/dmapool-fuzz

guest-tools: $(GUEST_TOOLS)

$(BUILD)/tests/dmapool-fuzz: tests/guest/dmapool-fuzz.c bench-module/spec.c \
		bench-module/spec.h include/uapi/dmapool_bench.h
	$(call msg,CC,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) -std=c11 -D_GNU_SOURCE -O2 -g -Wall -Wextra -Werror -Ibench-module \
		-Iinclude/uapi $< bench-module/spec.c -o $@

# --- tests, lint ------------------------------------------------------------
test: unit modules-all cli doc $(CLI_ASAN) $(BUILD)/tests/test_bpf_verifier checkpatch \
		$(BUILD)/$(KVER)/notrace/dmapool_bench.ko $(GUEST_TOOLS) arm64
	$(Q)TEST_KVERS="$(TEST_KVERS)" tests/run

CHECKPATCH_DIR := $(BUILD)/checkpatch
CHECKPATCH := $(CHECKPATCH_DIR)/scripts/checkpatch.pl
KERNEL_SRC_TAR := $(lastword $(sort $(wildcard /usr/src/linux-source-*.tar.xz)))

checkpatch: $(CHECKPATCH)

$(CHECKPATCH):
	$(call msg,EXTRACT,checkpatch.pl from $(KERNEL_SRC_TAR))
	$(Q)test -n "$(KERNEL_SRC_TAR)" || \
		{ echo "make: no /usr/src/linux-source-*.tar.xz: run 'make deps'" >&2; exit 1; }
	$(Q)mkdir -p $(CHECKPATCH_DIR)
	$(Q)tar -xJf $(KERNEL_SRC_TAR) -C $(CHECKPATCH_DIR) --strip-components=1 --wildcards \
		'*/scripts/checkpatch.pl' '*/scripts/spelling.txt' '*/scripts/const_structs.checkpatch'
	$(Q)touch $@

LINT_BPF = $(wildcard bpf/*.bpf.c bpf/*.bpf.h)
LINT_TRACE = bench-module/dmapool_trace.h
LINT_FILES = $(filter-out $(LINT_BPF) $(LINT_TRACE),$(wildcard bench-module/*.c \
	bench-module/*.h include/uapi/*.h bpf/*.h))

LINT_CLI = $(wildcard tools/dmapool-bench/*.c tools/dmapool-bench/*.h)
LINT_CLI_SRCS = $(filter %.c,$(LINT_CLI)) bench-module/spec.c

# BPF programs take their load-time settings as `const volatile` globals (the
# libbpf convention the skeleton relies on), and the CLI's signal handlers
# set `volatile sig_atomic_t` flags (what C requires of them): checkpatch's
# VOLATILE warning is ignored for those, and only for those. The trace header
# expands the EM() name lists into `TRACE_DEFINE_ENUM(X);` lines, as the
# kernel's trace headers do (include/trace/events/migrate.h): the semicolon
# has to come from the macro, so TRAILING_SEMICOLON is ignored there, and only
# there. The CLI is also built with gcc's static analyzer (-fanalyzer: leaks,
# NULL dereferences, use after free), warnings as errors.
lint: $(CHECKPATCH) $(CLI_HDRS)
	$(Q)$(CHECKPATCH) --no-tree --quiet --show-types -f $(LINT_FILES) && \
	$(CHECKPATCH) --no-tree --quiet --show-types --ignore VOLATILE -f $(LINT_BPF) $(LINT_CLI) && \
	$(CHECKPATCH) --no-tree --quiet --show-types --ignore TRAILING_SEMICOLON \
		-f $(LINT_TRACE) && \
		echo "checkpatch: $(words $(LINT_FILES) $(LINT_BPF) $(LINT_CLI) $(LINT_TRACE)) files clean"
	$(Q)for f in $(LINT_CLI_SRCS); do \
		$(CC) $(filter-out -O2 -g,$(CLI_CFLAGS)) -O1 -fanalyzer -c $$f -o /dev/null || exit; \
	done && echo "gcc -fanalyzer: $(words $(LINT_CLI_SRCS)) CLI sources clean"

# --- installation and the README's commands ---------------------------------
# make install: the CLI, its data directory (the tree's layout: profiles/,
# plots/, bpf/bpftrace/, tools/dmapool-vm; the CLI finds it beside its own
# PREFIX/sbin), the man pages and the bash completion. make install-dkms: the
# module's source and dkms.conf in /usr/src/dmapool-bench-VERSION for DKMS.
# debian/rules runs both (dpkg-buildpackage -us -uc -b).
PREFIX ?= /usr/local
DATADIR := $(PREFIX)/share/dmapool-bench
DKMS_VERSION ?= $(VERSION)
DKMS_SRC := /usr/src/dmapool-bench-$(DKMS_VERSION)

install: cli doc
	$(call msg,INSTALL,$(DESTDIR)$(PREFIX))
	$(Q)install -d $(DESTDIR)$(PREFIX)/sbin $(DESTDIR)$(PREFIX)/bin \
		$(DESTDIR)$(DATADIR)/profiles $(DESTDIR)$(DATADIR)/plots \
		$(DESTDIR)$(DATADIR)/bpf/bpftrace $(DESTDIR)$(DATADIR)/tools \
		$(DESTDIR)$(PREFIX)/share/man/man8 $(DESTDIR)$(PREFIX)/share/man/man1 \
		$(DESTDIR)$(PREFIX)/share/bash-completion/completions
	$(Q)install -m 755 $(CLI) $(DESTDIR)$(PREFIX)/sbin/dmapool-bench
	$(Q)install -m 755 tools/dmapool-vm $(DESTDIR)$(DATADIR)/tools/dmapool-vm
	$(Q)ln -sfn ../share/dmapool-bench/tools/dmapool-vm $(DESTDIR)$(PREFIX)/bin/dmapool-vm
	$(Q)install -m 644 profiles/*.json $(DESTDIR)$(DATADIR)/profiles/
	$(Q)install -m 644 plots/*.gp $(DESTDIR)$(DATADIR)/plots/
	$(Q)install -m 755 bpf/bpftrace/*.bt $(DESTDIR)$(DATADIR)/bpf/bpftrace/
	$(Q)install -m 644 $(DOC)/dmapool-bench.8 $(DESTDIR)$(PREFIX)/share/man/man8/
	$(Q)install -m 644 $(DOC)/dmapool-vm.1 $(DESTDIR)$(PREFIX)/share/man/man1/
	$(Q)install -m 644 $(DOC)/dmapool-bench.bash-completion \
		$(DESTDIR)$(PREFIX)/share/bash-completion/completions/dmapool-bench
	$(Q)ln -sfn dmapool-bench $(DESTDIR)$(PREFIX)/share/bash-completion/completions/dmapool-vm

install-dkms:
	$(call msg,INSTALL,$(DESTDIR)$(DKMS_SRC))
	$(Q)install -d $(DESTDIR)$(DKMS_SRC)/include/uapi
	$(Q)install -m 644 bench-module/*.c bench-module/*.h bench-module/Kbuild \
		$(DESTDIR)$(DKMS_SRC)/
	$(Q)install -m 644 include/uapi/dmapool_bench.h $(DESTDIR)$(DKMS_SRC)/include/uapi/
	$(Q)install -m 755 bench-module/dkms-make tools/vmlinux-btf $(DESTDIR)$(DKMS_SRC)/
	$(Q)sed 's/#MODULE_VERSION#/$(DKMS_VERSION)/' bench-module/dkms.conf \
		>$(DESTDIR)$(DKMS_SRC)/dkms.conf

deps:
	$(Q)tools/install-deps

# The default workload in the guest, results and plots in results/latest/.
run: deps
	$(Q)$(MAKE) all
	$(Q)$(CLI) run --plot -o results/latest

# The performance gate: the default workload, deterministic (icount, one
# vCPU), 5 runs in one module load, against the committed baseline. Exit 1 on
# a regression, 2 when inconclusive, 3 when the results cannot be compared.
GATE_KVER ?= $(or $(shell jq -r .meta.kernel $(BASELINE) 2>/dev/null),$(KVER))
BASELINE := results/baseline/result.json
GATE_RUN = run --deterministic --kernel $(GATE_KVER) --repeat 5

gate: cli
	$(Q)$(MAKE) module KVER=$(GATE_KVER)
	$(Q)$(CLI) $(GATE_RUN) -o $(BUILD)/gate >$(BUILD)/gate.log 2>&1 || \
		{ cat $(BUILD)/gate.log >&2; exit 3; }
	$(Q)$(CLI) gate $(BASELINE) $(BUILD)/gate/result.json

# kselftest's entry point (selftests/dmapool-bench: TEST_PROGS, run_tests):
# a quick gate on this machine as KTAP; its runner exits 0 pass / 1 fail /
# 4 skip, which make reports as 0 or 2.
kselftest:
	$(Q)$(MAKE) -s -C selftests/dmapool-bench run_tests

# Rewrite the baseline deliberately (commit it with git add -f).
baseline: cli
	$(Q)$(MAKE) module KVER=$(GATE_KVER)
	$(Q)$(CLI) $(GATE_RUN) --plot -o results/baseline

# Tracing overhead (none, our BPF, bpftrace, ftrace hist, record), the cost of
# disabled tracepoints, generator capacity, lost events, BPF program stats:
# a normal and a deterministic guest boot, results/bench/*.json + table.txt.
bench: cli
	$(Q)$(MAKE) -s module $(BUILD)/$(KVER)/notrace/dmapool_bench.ko
	$(Q)$(CLI) bench --kernel $(KVER) -o results/bench

# clean keeps the arm64 packages (build/arm64/{apt,debs,root}, ~1 GB fetched
# by make deps); distclean removes them too.
clean:
	$(call msg,CLEAN,build/)
	$(Q)find $(BUILD) -mindepth 1 -maxdepth 1 ! -name arm64 -exec rm -rf {} + 2>/dev/null || true
	$(Q)find $(BUILD)/arm64 -mindepth 1 -maxdepth 1 ! -name apt ! -name debs ! -name root \
		-exec rm -rf {} + 2>/dev/null || true

distclean:
	$(call msg,CLEAN,build/ and the arm64 packages)
	$(Q)rm -rf $(BUILD)

help:
	@echo "targets:"
	@echo "  deps        install the Debian packages needed (idempotent)"
	@echo "  all         module for KVER and host unit tests (default)"
	@echo "  module      build/KVER/dmapool_bench.ko with module BTF"
	@echo "  modules-all the module for every kernel in TEST_KVERS"
	@echo "  unit        build/tests/test_*: host unit tests of tests/unit (ASan/UBSan); each"
	@echo "              links UNIT_SRCS plus its own UNIT_SRCS_test_NAME (CLI sources it tests)"
	@echo "  arm64       the arm64 root (tools/arm64-root), every arm64 kernel's module and"
	@echo "              build/arm64/dmapool-bench (make ARCH=arm64 [KVER=..] [module|cli])"
	@echo "  test        unit tests, checkpatch, host suites, arm64; guest suites: tier 1 on every"
	@echo "              TEST_KVERS, all on TEST_FULL_KVERS (default: the newest non-RT kernel)"
	@echo "  lint        checkpatch.pl --no-tree on kernel, BPF and CLI sources; gcc -fanalyzer on the CLI"
	@echo "  guest-tools build/tests/dmapool-fuzz: guest fuzz campaign, latency sampler"
	@echo "  cli         build/dmapool-bench (BPF skeleton included)"
	@echo "  doc         build/doc/: dmapool-bench(8), dmapool-vm(1), bash completion (tools/gen-doc)"
	@echo "  cli-asan    build/asan/dmapool-bench: the CLI with ASan/UBSan (the fuzz suite)"
	@echo "  run         deps, build, the default workload in the guest: results/latest/"
	@echo "  gate        the default workload, deterministic, gated against results/baseline/"
	@echo "  kselftest   selftests/dmapool-bench run_tests: a quick gate as KTAP (the runner"
	@echo "              exits 0/1/4; make gives 0 or 2)"
	@echo "  baseline    rewrite results/baseline/ (deterministic, GATE_KVER)"
	@echo "  bench       tracing overhead, generator capacity, lost events: results/bench/"
	@echo "  clean       remove build/ but the arm64 packages (build/arm64/{apt,debs,root})"
	@echo "  distclean   remove build/"
	@echo "variables:"
	@echo "  KVER=$(KVER)"
	@echo "  TEST_KVERS=$(TEST_KVERS)"
	@echo "  TEST_FULL_KVERS=$(or $(TEST_FULL_KVERS),$(shell $(VM) --print-kernel 2>/dev/null))"
	@echo "  KDIR=$(KDIR)"
	@echo "  GATE_KVER=$(GATE_KVER)"
	@echo "  ARCH=arm64  cross-build for Debian's arm64 kernels into build/arm64/"
	@echo "  V=1         show commands"

.PHONY: all arm64 doc install install-dkms kselftest distclean module modules-all unit cli guest-tools cli-asan test checkpatch lint deps run gate baseline bench clean help
