# Shared helpers of the CLI test scripts (test_cli.sh, test_cli_shard.sh, test_cli_inputs.sh,
# test_label_formats.sh), sourced after they set `work` (a scratch folder). Counts in $checks and
# $failures; each script ends with `[ "$failures" = 0 ]`.

failures=0
checks=0

# fail MESSAGE: records a failed check.
fail() {
    echo "FAIL: $*" >&2
    failures=$((failures + 1))
}

# expect CODE DESCRIPTION -- COMMAND...: runs it, keeps stdout/stderr in $work/out, $work/err and
# in $out, $err; a different exit code fails, showing the command and the first lines of stderr.
expect() {
    local code="$1" what="$2"
    shift 3
    checks=$((checks + 1))
    "$@" >"$work/out" 2>"$work/err"
    local rc=$?
    out=$(cat "$work/out")
    err=$(cat "$work/err")
    if [ "$rc" != "$code" ]; then
        fail "$what: exit $rc, expected $code"
        echo "  command: $*" | cut -c1-300 >&2
        sed 's/^/  stderr: /' "$work/err" | cut -c1-300 | head -5 >&2
    fi
}

# contains HAYSTACK NEEDLE DESCRIPTION: HAYSTACK (a string) holds NEEDLE.
contains() {
    checks=$((checks + 1))
    case "$1" in
        *"$2"*) ;;
        *) fail "$3: expected '$2' in: $(echo "$1" | head -3)" ;;
    esac
}

# file_contains FILE NEEDLE DESCRIPTION: FILE holds NEEDLE.
file_contains() {
    checks=$((checks + 1))
    grep -qF -- "$2" "$1" || fail "$3: expected '$2' in $(basename "$1"): $(head -c 300 "$1")"
}
