#!/usr/bin/env bash
# Sets up everything RadZ needs to build, test and run on Debian bookworm. Idempotent: a second
# run does nothing that is already done.
#
#   scripts/setup.sh            Debian packages, npm dev dependencies, ONNX Runtime headers
#   scripts/setup.sh --cuda     also the ONNX Runtime 1.29 library set with the CUDA provider
#                               (into third_party/onnxruntime-cuda/, about 400 MB of downloads)
#
# Writes build/deps-versions.txt (the installed Debian package versions). Prints each step's time.
set -euo pipefail

usage() {
    sed -n '2,9p' "$0" | sed 's/^# \{0,1\}//'
}

want_cuda=0
for arg in "$@"; do
    case "$arg" in
        --cuda) want_cuda=1 ;;
        -h|--help) usage; exit 0 ;;
        *) echo "setup.sh: unknown option '$arg' (try --help)" >&2; exit 2 ;;
    esac
done

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"

ORT_PKG="com.github.asus4.onnxruntime@0.4.9"
ORT_GPU_PKG="com.github.asus4.onnxruntime.linux-x64-gpu@0.4.9"

step_start=0
step() {
    step_start=$(date +%s%N)
    echo "== $1"
}
step_done() {
    local ms=$((($(date +%s%N) - step_start) / 1000000))
    printf -- "   done in %d.%01d s\n" $((ms / 1000)) $((ms % 1000 / 100))
}
die() {
    echo "setup.sh: $*" >&2
    exit 1
}

sudo_cmd=()
if [ "$(id -u)" != 0 ]; then
    command -v sudo >/dev/null || die "not root and no sudo: cannot install Debian packages"
    sudo_cmd=(sudo)
fi

# ---------------------------------------------------------------------------------------------
step "Debian packages"
debs=(
    build-essential g++ cmake make pkg-config git ca-certificates
    python3 python3-torch python3-onnx python3-pil python3-numpy libopenblas0-pthread
    libstb-dev catch2 nlohmann-json3-dev
    libimgui-dev libsdl2-dev xvfb imagemagick
    emscripten chromium
    clang libclang-rt-14-dev
    libgdcm-dev libgdcm-tools dcmtk python3-pydicom zlib1g-dev
    wordnet-base librsvg2-bin
)
missing=()
for p in "${debs[@]}"; do
    if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
        missing+=("$p")
    fi
done
# Node 20+ is expected preinstalled (NodeSource); only install Debian's if there is none at all.
if ! command -v node >/dev/null; then
    missing+=(nodejs npm)
elif [ "$(node -p 'process.versions.node.split(".")[0]')" -lt 18 ]; then
    die "node $(node --version) is too old (need 18 or newer); install a newer node first"
fi
if [ ${#missing[@]} -gt 0 ]; then
    echo "   installing: ${missing[*]}"
    # apt-get update only when the package lists are absent or older than a day.
    lists_age=$(find /var/lib/apt/lists -maxdepth 1 -name '*_Packages*' -mtime -1 2>/dev/null | head -1)
    if [ -z "$lists_age" ]; then
        "${sudo_cmd[@]}" apt-get update -q
    fi
    DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -q --no-install-recommends "${missing[@]}"
else
    echo "   all ${#debs[@]} present"
fi
step_done

# ---------------------------------------------------------------------------------------------
step "Recording versions in build/deps-versions.txt"
mkdir -p build
{
    echo "# dpkg-query -W, written by scripts/setup.sh on $(date -u +%Y-%m-%dT%H:%M:%SZ)"
    dpkg-query -W -f='${Package} ${Version}\n' "${debs[@]}" 2>/dev/null | sort
    echo "node $(node --version)"
    echo "npm $(npm --version)"
} > build/deps-versions.txt
cat build/deps-versions.txt | sed 's/^/   /'

deb_version() { dpkg-query -W -f='${Version}' "$1"; }
major_of() { echo "$1" | sed -E 's/^[0-9]+://; s/^([0-9]+)\.([0-9]+).*/\1.\2/'; }
check_major() { # package expected-prefix
    local v m
    v=$(deb_version "$1")
    m=$(major_of "$v")
    case "$m" in
        "$2"|"$2".*) ;;
        *) die "$1 is $v, RadZ needs $2.x (see docs and ../shared/research/toolchain.md)" ;;
    esac
}
check_major catch2 2
check_major python3-torch 1.13
check_major emscripten 3.1
step_done

# ---------------------------------------------------------------------------------------------
step "npm dev dependencies (node_modules)"
lock_sum=$(sha256sum package-lock.json | cut -d' ' -f1)
stamp=node_modules/.radz-package-lock.sha256
if [ -d node_modules ] && [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$lock_sum" ]; then
    echo "   up to date with package-lock.json"
elif [ -d node_modules ] && [ ! -f "$stamp" ] && [ -f node_modules/.package-lock.json ] \
        && [ node_modules/.package-lock.json -nt package-lock.json ] \
        && [ -f node_modules/onnxruntime-node/bin/napi-v6/linux/x64/libonnxruntime.so.1 ]; then
    # Installed before this script kept a stamp, and newer than the lock file.
    echo "$lock_sum" > "$stamp"
    echo "   up to date with package-lock.json"
else
    # onnxruntime-node's postinstall tries to download CUDA binaries: skip it.
    ONNXRUNTIME_NODE_INSTALL=skip npm ci --no-audit --no-fund
    echo "$lock_sum" > "$stamp"
fi
[ -f node_modules/onnxruntime-node/bin/napi-v6/linux/x64/libonnxruntime.so.1 ] \
    || die "node_modules/onnxruntime-node/bin/napi-v6/linux/x64/libonnxruntime.so.1 missing after npm ci"
step_done

# Fetches an npm package's tarball into a temporary folder and unpacks the members matching a
# tar pattern. $1 = package@version, $2 = destination dir for the unpacked tree, rest = patterns.
npm_unpack() {
    local pkg="$1" dest="$2"
    shift 2
    local tmp
    tmp=$(mktemp -d)
    (cd "$tmp" && npm pack --silent "$pkg" >/dev/null) || { rm -rf "$tmp"; die "npm pack $pkg failed"; }
    mkdir -p "$dest"
    tar -xzf "$tmp"/*.tgz -C "$dest" --wildcards "$@" || { rm -rf "$tmp"; die "unpacking $pkg failed"; }
    rm -rf "$tmp"
}

# ---------------------------------------------------------------------------------------------
step "ONNX Runtime C API headers (third_party/onnxruntime/include)"
hdr_dir=third_party/onnxruntime/include
if [ -f "$hdr_dir/onnxruntime_c_api.h" ]; then
    echo "   already there"
else
    tmp_tree=$(mktemp -d)
    npm_unpack "$ORT_PKG" "$tmp_tree" 'package/Plugins/iOS~/onnxruntime.xcframework/ios-arm64_x86_64-simulator/*/Headers/*.h'
    mkdir -p "$hdr_dir"
    cp "$tmp_tree"/package/Plugins/iOS~/onnxruntime.xcframework/ios-arm64_x86_64-simulator/onnxruntime.framework/Headers/*.h "$hdr_dir"/
    rm -rf "$tmp_tree"
    [ -f "$hdr_dir/onnxruntime_c_api.h" ] || die "$ORT_PKG: no onnxruntime_c_api.h in the package"
    echo "   $(ls "$hdr_dir" | wc -l) headers, $(grep -m1 '#define ORT_API_VERSION' "$hdr_dir/onnxruntime_c_api.h")"
fi
step_done

# ---------------------------------------------------------------------------------------------
if [ $want_cuda = 1 ]; then
    step "ONNX Runtime 1.29 with the CUDA provider (third_party/onnxruntime-cuda)"
    cuda_dir=third_party/onnxruntime-cuda
    if [ -f "$cuda_dir/libonnxruntime.so" ] && [ -f "$cuda_dir/libonnxruntime_providers_cuda.so" ]; then
        echo "   already there"
    else
        tmp_tree=$(mktemp -d)
        npm_unpack "$ORT_PKG" "$tmp_tree" 'package/Plugins/Linux/x64/*.so'
        npm_unpack "$ORT_GPU_PKG" "$tmp_tree" '*.so'
        mkdir -p "$cuda_dir"
        find "$tmp_tree" -name '*.so' -exec cp {} "$cuda_dir"/ \;
        rm -rf "$tmp_tree"
        # The core library's soname is libonnxruntime.so.1.
        ln -sf libonnxruntime.so "$cuda_dir/libonnxruntime.so.1"
        [ -f "$cuda_dir/libonnxruntime_providers_cuda.so" ] \
            || die "$ORT_GPU_PKG: no libonnxruntime_providers_cuda.so in the package"
        ls -la "$cuda_dir" | sed 's/^/   /'
    fi
    echo "   use: radz --ort-lib $cuda_dir/libonnxruntime.so --ep cuda ...  (or RADZ_ORT_LIB)"
    step_done
fi

echo "setup.sh: ready"
