#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Host suite: driver profiles (profiles/*.json, `dmapool-bench profiles`,
# --profile). Every committed profile loads and validates; every kind of
# bad profile is refused with the file and the JSON path of the problem and
# exit status 2, before anything boots; `profiles --json` lists and shows
# them. The ASan/UBSan build (make cli-asan) runs the same cases.
set -u
cd "$(dirname "$0")/../.." || exit 1
. tests/lib/tap.sh
B=${DMAPOOL_BENCH:-build/dmapool-bench}
A=build/asan/dmapool-bench
out=$PWD/build/test-profiles
rm -rf "$out"
mkdir -p "$out/d"
unset DMAPOOL_PROFILE_DIR

# --- the committed profiles ------------------------------------------------
want="ehci-isoc-dvb mixed-rpi nvme-sev-prp probe-large rpi-dwc-otg rpi-firmware-mbox xhci-ring-growth"
$B profiles >"$out/list.txt" 2>"$out/list.err"
ok $? "profiles: every profile in profiles/ loads"
is "$(cat "$out/list.err")" "" "profiles: nothing on stderr"
$B profiles --json >"$out/list.json"
ok $? "profiles --json"
is "$(jq -r '[.profiles[].name] | join(" ")' "$out/list.json")" "$want" \
	"profiles --json: the seven profiles, sorted"
is "$(ls profiles/*.json | grep -vc profile.schema.json)" 7 "one file per profile"
is "$(jq -r '.dir' "$out/list.json")" "$PWD/profiles" "found beside the executable: <top>/profiles"
for p in $want; do
	$B profiles --json "$p" >"$out/$p.json" 2>"$out/$p.err"
	ok $? "profiles $p: loads and validates"
	# Every non-harness key of every stream has a source entry.
	miss=$(jq -r '.streams[] as $s | $s.spec | split(" ")[] | split("=")[0] |
		select(IN("stream","cpus","duration_ms","ops","seed","warmup_ms","max_outstanding") | not) as $k |
		select([$s.stream, $k] as $want | true) | "\($s.stream):\($k)"' "$out/$p.json" |
		while read -r sk; do
			jq -e --arg s "${sk%%:*}" --arg k "${sk#*:}" \
				'any(.sources[]; .stream == $s and .key == $k and (.source | length) > 0)' \
				"$out/$p.json" >/dev/null || echo "$sk"
		done)
	is "$miss" "" "$p: every figure has a source"
	is "$(jq '.sources | length' "$out/$p.json")" \
		"$(jq --arg p "$p" '.profiles[] | select(.name == $p) | .sources' "$out/list.json")" \
		"$p: the list's source count is the profile's"
	grep -q "^$p " "$out/list.txt"
	ok $? "$p: a row of the table"
done
is "$(jq -r .line "$out/rpi-dwc-otg.json")" "ctx=atomic cpus=0 ops=8 batch=8 size=64K hold=ops:8" \
	"rpi-dwc-otg: one stream, its spec is the line"
is "$(jq -r .coherent_pool "$out/rpi-dwc-otg.json")" 256K "rpi-dwc-otg: coherent_pool 256K"
is "$(jq -r '[.streams[] | .stream + "<" + .profile] | join(" ")' "$out/mixed-rpi.json")" \
	"np<rpi-dwc-otg mbox<rpi-firmware-mbox" "mixed-rpi: the streams of its two includes"
jq -r .line "$out/mixed-rpi.json" | grep -q '^stream=np ctx=atomic .* ; stream=mbox ctx=process '
ok $? "mixed-rpi: one line, stream=NAME per spec, ';' between"
is "$(jq '.sources | length' "$out/mixed-rpi.json")" \
	"$(( $(jq '.sources | length' "$out/rpi-dwc-otg.json") + $(jq '.sources | length' "$out/rpi-firmware-mbox.json") ))" \
	"mixed-rpi: the sources of both"
$B profiles rpi-dwc-otg >"$out/show.txt"
grep -q '^spec line:' "$out/show.txt" && grep -q '^  np  *size  *drivers/usb/host/dwc_otg/dwc_otg_hcd.c@' "$out/show.txt"
ok $? "profiles NAME: the spec line and each figure's source"
$B profiles "$PWD/profiles/probe-large.json" >/dev/null
ok $? "a path holding '/' is a file"
cp -r profiles "$out/pd"
DMAPOOL_PROFILE_DIR=$out/pd $B profiles --json | jq -e --arg d "$out/pd" '.dir == $d' >/dev/null
ok $? "\$DMAPOOL_PROFILE_DIR overrides the directory"

# --- bad profiles: file + JSON path, exit 2 ---------------------------------
good='{"schema":"dmapool-bench-profile/1","name":"NAME","description":"d","streams":[{"stream":"s","spec":"ctx=atomic cpus=0 ops=4 size=64K hold=ops:4","sources":{"ctx":"https://example.org/a","size":"drivers/x/y.c@v6.1","hold":"0123456789ab"}}]}'
# bad NAME JQ-FILTER WANT-REGEX DESCRIPTION: profile NAME = good | FILTER.
bad() {
	local name=$1 filter=$2 want=$3 file=${BADFILE:-$1} rc bin
	shift 3
	printf '%s' "$good" | jq --arg n "$name" ".name = \$n | $filter" >"$out/d/$name.json"
	for bin in "$B" "$A"; do
		[ -x "$bin" ] || continue
		DMAPOOL_PROFILE_DIR=$out/d "$bin" profiles "$name" >"$out/bad.out" 2>"$out/bad.err"
		rc=$?
		if [ $rc -eq 2 ] && [ "$(wc -l <"$out/bad.err")" -eq 1 ] &&
		   grep -Eq "^dmapool-bench: $out/d/$file.json: $want" "$out/bad.err"; then
			ok 0 "$*$([ "$bin" = "$A" ] && echo ' (ASan/UBSan build)'): $(sed "s|$out/d/||" "$out/bad.err")"
		else
			ok 1 "$*$([ "$bin" = "$A" ] && echo ' (ASan/UBSan build)')"
			echo "#   exit $rc: $(cat "$out/bad.err")"
		fi
	done
	rm -f "$out/d/$name.json"
}
printf '%s' "$good" | jq '.name = "good-one"' >"$out/d/good-one.json"
DMAPOOL_PROFILE_DIR=$out/d $B profiles good-one >/dev/null
ok $? "the test's good profile loads (so the cases below fail for their reason)"
bad no-src 'del(.streams[0].sources.size)' '\.streams\[0\]\.sources\.size: missing: the figure .size=64K. needs a source' \
	"a figure without a source"
bad empty-src '.streams[0].sources.size = ""' '\.streams\[0\]\.sources\.size: ' "an empty source"
bad vague-src '.streams[0].sources.size = "I think so"' '\.streams\[0\]\.sources\.size: ' \
	"a source that is no URL, message id, commit or file@version"
bad stale-src '.streams[0].sources.mask = "https://example.org/m"' \
	'\.streams\[0\]\.sources\.mask: the spec has no key .mask.' "a source for a key the spec lacks"
bad bad-size '.streams[0].spec = "ctx=atomic cpus=0 ops=4 size=5G hold=ops:4"' \
	'\.streams\[0\]\.spec: size: invalid value .5G.' "a bad spec value (the module's parser)"
bad bad-key '.streams[0].spec += " colour=red"' '\.streams\[0\]\.spec: spec: unknown key .colour.' \
	"an unknown spec key"
bad bad-hold '.streams[0].spec = "ctx=atomic cpus=0 ops=4 size=64K hold=ops:9 max_outstanding=8"' \
	'\.streams\[0\]\.spec: hold: ops:9 exceeds max_outstanding=8' "a spec the parser refuses as a whole"
bad semi '.streams[0].spec += " ; ctx=process"' '\.streams\[0\]\.spec: one stream' "two specs in one stream"
bad stream-key '.streams[0].spec += " stream=x"' '\.streams\[0\]\.spec: no stream= here' \
	"stream= inside a spec"
bad bad-stream '.streams[0].stream = "Has Space"' '\.streams\[0\]\.stream: ' "a bad stream name"
bad unknown-inc '.include = ["nosuch"]' '\.include\[0\]: unknown profile .nosuch.' "an unknown include"
bad bad-inc '.include = ["../etc"]' '\.include\[0\]: ' "an include that is no name"
bad self-inc '.include = ["self-inc"]' '\.include\[0\]: .self-inc. includes itself' "an include cycle"
BADFILE=good-one bad dup-stream '.include = ["good-one"] | .streams[0].stream = "s"' \
	'\.streams\[0\]\.stream: .s. is also a stream of .dup-stream.' \
	"the same stream name twice (named in the include that repeats it)"
bad no-stream '.streams = []' '\.streams: no stream' "no stream at all"
BADFILE=bad-name bad bad-name '.name = "Bad_Name"' '\.name: "Bad_Name" does not match' "a bad profile name"
bad other-name '.name = "another"' '\.name: .another. is not the file.s name' "a name that is not the file's"
bad no-desc 'del(.description)' '\.description: missing' "no description"
bad extra '.colour = "red"' '\.colour: unexpected' "an unknown member"
bad bad-cp '.coherent_pool = {"value": "2G", "source": "https://example.org/c"}' \
	'\.coherent_pool\.value: .2G. is not a size from 4K to 1G' "a coherent_pool out of range"
bad cp-nosrc '.coherent_pool = {"value": "1M"}' '\.coherent_pool\.source: missing' \
	"a coherent_pool without a source"
bad wrong-schema '.schema = "dmapool-bench-profile/2"' '\.schema: ' "another schema version"
printf '{"schema": ' >"$out/d/notjson.json"
DMAPOOL_PROFILE_DIR=$out/d $B profiles notjson 2>"$out/bad.err"
is "$?:$(grep -c "cannot read '$out/d/notjson.json': not JSON" "$out/bad.err")" "2:1" "not JSON: the file named, exit 2"
rm -f "$out/d/notjson.json"
$B profiles Bad_Name 2>"$out/bad.err"
is "$?:$(grep -c "invalid profile name 'Bad_Name'" "$out/bad.err")" "2:1" "a bad name on the command line"
$B profiles nosuch 2>"$out/bad.err"
is "$?:$(grep -c "unknown profile 'nosuch'" "$out/bad.err")" "2:1" "an unknown profile"
$B profiles a b 2>/dev/null
is $? 2 "profiles takes one name"

# --- --profile checks before anything boots ----------------------------------
t0=$SECONDS
$B run --profile nosuch -o "$out/r" 2>"$out/run.err"
is "$?:$(grep -c "unknown profile 'nosuch'" "$out/run.err")" "2:1" "run --profile nosuch: exit 2, nothing booted"
printf '%s' "$good" | jq '.name = "bad-size" | .streams[0].spec = "ctx=atomic ops=4 size=5G hold=ops:4"' \
	>"$out/d/bad-size.json"
$B run --profile "$out/d/bad-size.json" -o "$out/r" 2>"$out/run.err"
is "$?:$(grep -c 'bad-size.json: .streams\[0\].spec: size: invalid value' "$out/run.err")" "2:1" \
	"run --profile FILE: a bad profile refused with its path"
$B compare --recommend --profile rpi-dwc-otg --size 5G -o "$out/c" 2>"$out/run.err"
is "$?:$(grep -c "profile 'rpi-dwc-otg': size: invalid value '5G'" "$out/run.err")" "2:1" \
	"compare --profile: an option given overrides the profile's key, and is checked"
$B run --profile rpi-dwc-otg --hold ops:2000 -o "$out/r" 2>"$out/run.err"
is "$?:$(grep -c 'hold: ops:2000 exceeds max_outstanding' "$out/run.err")" "2:1" \
	"run --profile: the merged spec is checked as a whole"
cmp_ok $((SECONDS - t0)) -lt 10 "all refused on the host, no guest booted"
tap_done
