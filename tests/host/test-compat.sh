#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Host suite: bench-module/compat.h, the largest buddy order (MAX_PAGE_ORDER,
# the cap of expansion blocks) across kernel versions. compat.h is compiled
# against fake <linux/mmzone.h> headers written as each kernel writes it:
#   - 6.1-6.3: MAX_ORDER exclusive (11), MAX_ORDER_NR_PAGES 1 << (MAX_ORDER - 1)
#   - 6.4-6.7: MAX_ORDER inclusive (10), MAX_ORDER_NR_PAGES 1 << MAX_ORDER
#   - 6.8+:    MAX_PAGE_ORDER (10)
# each must give 10, and 13 where an architecture forces a larger order;
# headers it cannot classify must stop the build with compat.h's #error.
set -u
cd "$(dirname "$0")/../.." || exit 1
. tests/lib/tap.sh
CC=${CC:-cc}
out=build/test-compat
rm -rf "$out"
mkdir -p "$out"

cat >"$out/probe.c" <<'EOF'
#include <stdio.h>
#include "compat.h"

int main(void)
{
	printf("%d\n", MAX_PAGE_ORDER);
	return 0;
}
EOF

# variant NAME: a fake include/linux/mmzone.h from stdin
variant() {
	mkdir -p "$out/$1/linux"
	cat >"$out/$1/linux/mmzone.h"
}

# cap NAME: compile the probe against variant NAME and print its MAX_PAGE_ORDER
cap() {
	$CC -std=c11 -Wall -Wextra -Werror -I"$out/$1" -Ibench-module "$out/probe.c" \
		-o "$out/$1/probe" 2>"$out/$1/cc.err" || { sed 's/^/# /' "$out/$1/cc.err"; return 1; }
	"$out/$1/probe"
}

# refused NAME: compiling against variant NAME fails on compat.h's #error
refused() {
	if $CC -std=c11 -Wall -Werror -I"$out/$1" -Ibench-module "$out/probe.c" \
		-o "$out/$1/probe" 2>"$out/$1/cc.err"; then
		echo "# compiled, printed $("$out/$1/probe")"
		return 1
	fi
	grep -q 'compat.h.*#error.*largest buddy order unknown' "$out/$1/cc.err" ||
		{ sed 's/^/# /' "$out/$1/cc.err"; return 1; }
}

variant v6.1 <<'EOF'
#ifndef CONFIG_ARCH_FORCE_MAX_ORDER
#define MAX_ORDER 11
#else
#define MAX_ORDER CONFIG_ARCH_FORCE_MAX_ORDER
#endif
#define MAX_ORDER_NR_PAGES (1 << (MAX_ORDER - 1))
EOF
variant v6.4 <<'EOF'
#ifndef CONFIG_ARCH_FORCE_MAX_ORDER
#define MAX_ORDER 10
#else
#define MAX_ORDER CONFIG_ARCH_FORCE_MAX_ORDER
#endif
#define MAX_ORDER_NR_PAGES (1 << MAX_ORDER)
EOF
variant v6.8 <<'EOF'
#ifndef CONFIG_ARCH_FORCE_MAX_ORDER
#define MAX_PAGE_ORDER 10
#else
#define MAX_PAGE_ORDER CONFIG_ARCH_FORCE_MAX_ORDER
#endif
#define MAX_ORDER_NR_PAGES (1 << MAX_PAGE_ORDER)
EOF
# arm64 with 64K pages: 6.1 forces MAX_ORDER 14 (exclusive), 6.4 13 (inclusive)
variant v6.1-forced <<'EOF'
#define CONFIG_ARCH_FORCE_MAX_ORDER 14
#define MAX_ORDER CONFIG_ARCH_FORCE_MAX_ORDER
#define MAX_ORDER_NR_PAGES (1 << (MAX_ORDER - 1))
EOF
variant v6.4-forced <<'EOF'
#define CONFIG_ARCH_FORCE_MAX_ORDER 13
#define MAX_ORDER CONFIG_ARCH_FORCE_MAX_ORDER
#define MAX_ORDER_NR_PAGES (1 << MAX_ORDER)
EOF
# what compat.h cannot classify
variant no-nr-pages <<'EOF'
#define MAX_ORDER 11
EOF
variant odd-nr-pages <<'EOF'
#define MAX_ORDER 11
#define MAX_ORDER_NR_PAGES (1 << (MAX_ORDER - 2))
EOF
variant runtime-order <<'EOF'
extern int buddy_alloc_max_order;
#define MAX_ORDER buddy_alloc_max_order
#define MAX_ORDER_NR_PAGES (1 << MAX_ORDER)
EOF
variant none <<'EOF'
#define MAX_NR_ZONES 5
EOF

is "$(cap v6.1)" 10 "6.1-6.3 (MAX_ORDER 11, exclusive): cap 10"
is "$(cap v6.4)" 10 "6.4-6.7 (MAX_ORDER 10, inclusive): cap 10"
is "$(cap v6.8)" 10 "6.8+ (MAX_PAGE_ORDER 10): cap 10"
is "$(cap v6.1-forced)" 13 "6.1-6.3, order forced to 14 (exclusive): cap 13"
is "$(cap v6.4-forced)" 13 "6.4-6.7, order forced to 13 (inclusive): cap 13"
refused no-nr-pages
ok $? "MAX_ORDER without MAX_ORDER_NR_PAGES: the build stops on #error"
refused odd-nr-pages
ok $? "MAX_ORDER_NR_PAGES neither 1 << MAX_ORDER nor 1 << (MAX_ORDER - 1): #error"
refused runtime-order
ok $? "MAX_ORDER not a preprocessor constant: #error"
refused none
ok $? "neither MAX_PAGE_ORDER nor MAX_ORDER: #error"
tap_done
