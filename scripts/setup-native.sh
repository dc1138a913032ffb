#!/usr/bin/env bash
# Gives @tensorflow/tfjs-node@4.22.0 (the native `tensorflow` TF.js backend) a
# libtensorflow without its install script's download from Google storage,
# which fails offline: the TensorFlow C API library comes out of PyPI's
# TensorFlow wheel, and the binding is built locally with node-gyp.
#
#   1. pip downloads the wheel (tensorflow-cpu==$SEAMFLOW_TF_VERSION, --no-deps)
#      into .tools/native/ and extracts libtensorflow_cc.so.2 (which exports the
#      C and eager C APIs the binding uses: TF_NewStatus, TFE_NewContext,
#      TFE_Execute, ...), libtensorflow_framework.so.2 and the C headers, then
#      deletes the wheel. Wheels before 2.12 keep the C API in
#      python/_pywrap_tensorflow_internal.so, which also references ~190
#      Python C-API symbols: for those a stub library that defines them (and
#      aborts if one is ever called) is built and linked in.
#   2. npm installs @tensorflow/tfjs-node@4.22.0 into the project with
#      --no-save --ignore-scripts (npm also lays down the other optional
#      package, scriptless; it is removed again unless it has a binding).
#   3. The package's deps/ folder gets the libraries (hard links into the
#      cache) and headers, and node-gyp builds lib/napi-v8/tfjs_binding.node
#      against the local Node headers (--nodedir: nothing is downloaded).
#   4. Verification: require('@tensorflow/tfjs-node') in the project, backend
#      `tensorflow`, a 2x2 matmul gives [[7,10],[15,22]].
#
# On any failure it says which step failed and why, and removes the
# half-installed package, so require('@tensorflow/tfjs-node') throws
# MODULE_NOT_FOUND and the project keeps running on wasm.
#
# Idempotent: a second run checks a marker and re-verifies (about a second);
# a run after `npm ci`/`npm install` wiped the package rebuilds from the
# cache (no download). Rebuild with --force; never with `npm rebuild`, whose
# install script tries the download again.
#
# usage: scripts/setup-native.sh [--force] [--remove] [--optional]
#   --force     rebuild even if the marker says it is set up
#   --remove    uninstall the native package (back to wasm) and exit
#   --optional  exit 0 even when setup fails (the project then runs on wasm)
# environment:
#   SEAMFLOW_NATIVE_TARGET_DIR  project to set up (default: this script's repo)
#   SEAMFLOW_TF_VERSION         TensorFlow wheel version (default 2.15.1;
#                               2.9.1, the version tfjs-node 4.22 pins, works too)
#   SEAMFLOW_NATIVE_FLAVOR      cpu (default) | gpu: set by setup-native-gpu.sh
#   SEAMFLOW_NODEDIR            Node headers prefix (has include/node/node_api.h)
# needs: Linux x86_64, node + npm, python3 with pip, g++, make, binutils (nm).
set -euo pipefail

TFJS_VERSION="4.22.0"
TF_VERSION="${SEAMFLOW_TF_VERSION:-2.15.1}"
FLAVOR="${SEAMFLOW_NATIVE_FLAVOR:-cpu}"

force=0; remove=0; optional=0
for a in "$@"; do
  case "$a" in
    --force) force=1 ;;
    --remove) remove=1 ;;
    --optional) optional=1 ;;
    -h|--help) sed -n '2,/^set -euo/p' "${BASH_SOURCE[0]}" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
    *) echo "[setup:native] unknown argument: $a (see --help)" >&2; exit 2 ;;
  esac
done

case "$FLAVOR" in
  cpu) pkg="@tensorflow/tfjs-node"; other="@tensorflow/tfjs-node-gpu"; wheel_dist="tensorflow-cpu" ;;
  gpu) pkg="@tensorflow/tfjs-node-gpu"; other="@tensorflow/tfjs-node"; wheel_dist="tensorflow" ;;
  *) echo "[setup:native] SEAMFLOW_NATIVE_FLAVOR must be cpu or gpu, not '$FLAVOR'" >&2; exit 2 ;;
esac

script_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
target="$(cd "${SEAMFLOW_NATIVE_TARGET_DIR:-$script_root}" && pwd)"
cache="$target/.tools/native"
libdir="$cache/libtensorflow-$FLAVOR-$TF_VERSION"   # lib/ include/ exports.txt .complete
pkgdir="$target/node_modules/$pkg"
otherdir="$target/node_modules/$other"
want="flavor=$FLAVOR tf=$TF_VERSION tfjs-node=$TFJS_VERSION node-abi=$(node -p process.versions.modules 2>/dev/null || echo none)"
tag="[setup:native]"
[[ "$FLAVOR" == gpu ]] && tag="[setup:native-gpu]"
# SEAMFLOW_NATIVE_GPU_DRY=1: build-only check of the gpu flavour on a machine
# without a GPU: no driver check, no CUDA wheels (their pins are printed), no
# GPU-device assertion. Never leaves a usable GPU setup behind.
gpu_dry="${SEAMFLOW_NATIVE_GPU_DRY:-0}"

say() { printf '%s %s\n' "$tag" "$*" >&2; }
step="starting"
started=$SECONDS

# --- verification: load the package from the project and run a matmul -------
verify() {  # prints one JSON line on success
  (cd "$target" && TF_CPP_MIN_LOG_LEVEL=2 node -e '
    const pkg = process.argv[1], gpu = process.argv[2] === "gpu";
    const tf = require(pkg);
    if (tf.getBackend() !== "tensorflow") throw new Error("backend is " + tf.getBackend() + ", not tensorflow");
    const a = tf.tensor2d([[1, 2], [3, 4]]);
    const r = Array.from(a.matMul(a).dataSync());
    if (r.join() !== "7,10,15,22") throw new Error("matmul gave " + r.join());
    const b = tf.backend();
    if (gpu && process.argv[3] !== "1" && !b.isUsingGpuDevice) throw new Error("TensorFlow sees no GPU device (driver? CUDA libraries?)");
    console.log(JSON.stringify({ package: pkg, backend: tf.getBackend(), tensorflow: b.binding.TF_Version, gpu: !!b.isUsingGpuDevice }));
  ' "$pkg" "$FLAVOR" "$gpu_dry" 2>&1)
}

module_not_found() {
  (cd "$target" && node -e 'try { require(process.argv[1]); process.exit(1) } catch (e) { process.exit(e.code === "MODULE_NOT_FOUND" ? 0 : 1) }' "$pkg" >/dev/null 2>&1)
}

# npm lays down the other optional package (tfjs-node / tfjs-node-gpu)
# scriptless, so without a binding: its require() would register its kernels
# and then throw a plain Error. Take such a one away; a built one stays.
remove_bindingless_other() {
  if [[ -d "$otherdir" ]] && ! compgen -G "$otherdir/lib/napi-v*/tfjs_binding.node" >/dev/null; then
    rm -rf "$otherdir"
  fi
}
remove_pkg() {
  rm -rf "$pkgdir"
  remove_bindingless_other
}

fallback_note() {
  if compgen -G "$otherdir/lib/napi-v*/tfjs_binding.node" >/dev/null; then
    echo "the built $other stays the native backend"
  else
    echo "the project runs on wasm"
  fi
}

if (( remove )); then
  remove_pkg
  rm -f "$cache/$FLAVOR.ok"
  say "removed $pkg from $target: $(fallback_note)"
  exit 0
fi

fail() {
  local why="$1"
  say "FAILED at: $step"
  [[ -n "$why" ]] && printf '%s\n' "$why" | sed "s/^/$tag   /" >&2
  if [[ -d "$pkgdir" ]]; then
    if verify >/dev/null 2>&1; then
      say "an earlier working $pkg is still installed and loads: left in place"
    else
      remove_pkg
      if module_not_found; then
        say "removed the half-installed $pkg: require('$pkg') now gives MODULE_NOT_FOUND; $(fallback_note)"
      else
        say "WARNING: could not get back to a clean state; remove $pkgdir by hand"
      fi
    fi
  else
    say "$pkg is not installed: $(fallback_note)"
  fi
  exit $(( optional ? 0 : 1 ))
}
trap 'fail "command failed (exit $?) at line $LINENO: $BASH_COMMAND"' ERR

mkdir -p "$cache"
exec 9>"$cache/.lock"
step="taking the lock $cache/.lock (another setup:native running?)"
flock -w 900 9 || fail "timed out waiting for the lock"

# --- fast path ------------------------------------------------------------------
if (( ! force )) && [[ -f "$pkgdir/.seamflow-native" && "$(cat "$pkgdir/.seamflow-native")" == "$want" ]]; then
  step="verifying the existing build"
  if out="$(verify)"; then
    remove_bindingless_other
    say "already set up: $(tail -n1 <<<"$out")"
    exit 0
  fi
  say "existing build does not load; rebuilding"
fi

# --- 1. tools ---------------------------------------------------------------------
step="checking the platform and build tools"
[[ "$(uname -s)-$(uname -m)" == "Linux-x86_64" ]] || fail "only Linux x86_64 is supported (the wheels' manylinux libraries); this is $(uname -s)-$(uname -m)"
for t in node npm python3 make g++ nm readelf flock; do
  command -v "$t" >/dev/null 2>&1 || fail "'$t' not found. Debian/Ubuntu: apt-get install build-essential binutils python3-pip util-linux"
done
python3 -m pip --version >/dev/null 2>&1 || fail "python3 has no pip (Debian/Ubuntu: apt-get install python3-pip)"

nodedir=""
for d in "${SEAMFLOW_NODEDIR:-}" "$(node -p 'process.config.variables.node_prefix || ""' 2>/dev/null)" \
         "$(dirname "$(dirname "$(readlink -f "$(command -v node)")")")" /usr /usr/local; do
  if [[ -n "$d" && -f "$d/include/node/node_api.h" && -f "$d/include/node/common.gypi" ]]; then nodedir="$d"; break; fi
done
[[ -n "$nodedir" ]] || fail "Node headers not found (need <prefix>/include/node/node_api.h and common.gypi). NodeSource's nodejs package ships them in /usr/include/node; Debian's: apt-get install libnode-dev; or set SEAMFLOW_NODEDIR to an unpacked node-v$(node -p 'process.versions.node')-headers folder"

node_gyp=""
npm_cli="$(readlink -f "$(command -v npm)")"
for g in "$(dirname "$(dirname "$npm_cli")")/node_modules/node-gyp/bin/node-gyp.js" \
         "$(npm root -g 2>/dev/null)/npm/node_modules/node-gyp/bin/node-gyp.js"; do
  if [[ -f "$g" ]]; then node_gyp="$g"; break; fi
done
if [[ -z "$node_gyp" ]] && command -v node-gyp >/dev/null 2>&1; then node_gyp="$(readlink -f "$(command -v node-gyp)")"; fi
[[ -n "$node_gyp" ]] || fail "node-gyp not found (it ships inside npm: <npm>/node_modules/node-gyp)"

if [[ "$FLAVOR" == gpu && "$gpu_dry" != 1 ]]; then
  step="checking for an NVIDIA driver"
  if ! ldconfig -p 2>/dev/null | grep -q 'libcuda\.so\.1' && ! command -v nvidia-smi >/dev/null 2>&1; then
    fail "no NVIDIA driver here (no libcuda.so.1, no nvidia-smi): the GPU backend needs the host's driver; CUDA itself comes from PyPI"
  fi
fi

# --- 2. the npm package, scriptless ------------------------------------------------
step="installing $pkg@$TFJS_VERSION with npm (--no-save --ignore-scripts)"
have_version="$(node -p "try { require('$pkgdir/package.json').version } catch { '' }" 2>/dev/null || true)"
if [[ "$have_version" != "$TFJS_VERSION" ]]; then
  say "npm install --no-save --ignore-scripts $pkg@$TFJS_VERSION"
  (cd "$target" && npm install --no-save --ignore-scripts --no-audit --no-fund --loglevel=error "$pkg@$TFJS_VERSION") >&2 \
    || fail "npm could not install $pkg@$TFJS_VERSION (registry reachable? see the npm output above)"
fi
[[ -f "$pkgdir/binding.gyp" ]] || fail "$pkgdir/binding.gyp missing after npm install"
remove_bindingless_other

# --- 3. libtensorflow out of the wheel (cached) --------------------------------------
if [[ ! -f "$libdir/.complete" ]]; then
  step="downloading $wheel_dist==$TF_VERSION from PyPI with pip"
  rm -rf "$libdir" "$cache/wheels"
  mkdir -p "$cache/wheels"
  got=""
  pyv_local="$(python3 -c 'import sys; print(f"{sys.version_info[0]}.{sys.version_info[1]}")')"
  # Only the shared libraries are used: any CPython tag of the wheel will do.
  pyvs="$(printf '%s\n' "$pyv_local" 3.11 3.10 3.12 3.9 | awk '!seen[$0]++' | tr '\n' ' ')"
  for pyv in $pyvs; do
    if python3 -m pip download --no-deps --only-binary=:all: --implementation cp --python-version "$pyv" \
         --platform manylinux_2_17_x86_64 --platform manylinux2014_x86_64 --platform manylinux2010_x86_64 \
         -d "$cache/wheels" "$wheel_dist==$TF_VERSION" >"$cache/pip.log" 2>&1; then
      got=1; break
    fi
  done
  [[ -n "$got" ]] || fail "pip could not download $wheel_dist==$TF_VERSION for manylinux x86_64 (tried Python $pyvs); last pip output:
$(tail -n 5 "$cache/pip.log")"
  wheel="$(find "$cache/wheels" -maxdepth 1 -name '*.whl' | head -n1)"
  say "downloaded $(basename "$wheel") ($(du -h "$wheel" | cut -f1))"

  step="extracting libtensorflow from $(basename "$wheel")"
  rm -rf "$libdir.tmp"
  mkdir -p "$libdir.tmp"
  python3 - "$wheel" "$libdir.tmp" "$tag" <<'PY'
import os, shutil, sys, zipfile
wheel, out, tag = sys.argv[1], sys.argv[2], sys.argv[3]
z = zipfile.ZipFile(wheel)
names = set(z.namelist())
# Where the C API lives: libtensorflow_cc.so.2 (2.12+), else the Python extension.
if 'tensorflow/libtensorflow_cc.so.2' in names:
    lib = 'tensorflow/libtensorflow_cc.so.2'
elif 'tensorflow/python/_pywrap_tensorflow_internal.so' in names:
    lib = 'tensorflow/python/_pywrap_tensorflow_internal.so'
else:
    sys.exit('no libtensorflow_cc.so.2 nor python/_pywrap_tensorflow_internal.so in the wheel')
if 'tensorflow/libtensorflow_framework.so.2' not in names:
    sys.exit('no libtensorflow_framework.so.2 in the wheel')
os.makedirs(os.path.join(out, 'lib'))
for n in (lib, 'tensorflow/libtensorflow_framework.so.2'):
    dst = os.path.join(out, 'lib', os.path.basename(n))
    with z.open(n) as s, open(dst, 'wb') as d:
        shutil.copyfileobj(s, d, 1 << 20)
    os.chmod(dst, 0o755)
# The C API headers and what they include (tstring, tsl status).
prefixes = ['tensorflow/include/' + p for p in (
    'tensorflow/c/', 'tensorflow/core/platform/', 'tsl/c/', 'tsl/platform/',
    'tensorflow/tsl/c/', 'tensorflow/tsl/platform/')]
count = 0
for n in names:
    if n.endswith('/') or not any(n.startswith(p) for p in prefixes):
        continue
    dst = os.path.join(out, 'include', n[len('tensorflow/include/'):])
    os.makedirs(os.path.dirname(dst), exist_ok=True)
    with z.open(n) as s, open(dst, 'wb') as d:
        shutil.copyfileobj(s, d)
    count += 1
for h in ('tensorflow/c/c_api.h', 'tensorflow/c/eager/c_api.h'):
    if not os.path.exists(os.path.join(out, 'include', h)):
        sys.exit('header %s missing from the wheel' % h)
# The CUDA wheels that the GPU wheel's [and-cuda] extra pins (TF 2.14+).
import re
meta = [n for n in names if re.match(r'^[^/]+\.dist-info/METADATA$', n)]
pins = []
if meta:
    for line in z.read(meta[0]).decode('utf-8', 'replace').splitlines():
        m = re.match(r'Requires-Dist:\s*(nvidia-[A-Za-z0-9_.-]+)\s*\(?==\s*([^);\s]+)\)?\s*;.*and-cuda', line)
        if m:
            pins.append('%s==%s' % m.groups())
with open(os.path.join(out, 'cuda-pins.txt'), 'w') as f:
    f.write(''.join(p + '\n' for p in pins))
with open(os.path.join(out, 'capi-lib'), 'w') as f:
    f.write(os.path.basename(lib) + '\n')
print(tag + ' extracted %s, libtensorflow_framework.so.2 and %d headers' % (lib, count), file=sys.stderr)
PY
  capi_lib="$(cat "$libdir.tmp/capi-lib")"
  step="listing the symbols $capi_lib exports (nm -D)"
  nm -D --defined-only "$libdir.tmp/lib/$capi_lib" | awk '{print $3}' | sed 's/@.*//' | grep -E '^TFE?_' | LC_ALL=C sort -u >"$libdir.tmp/exports.txt"
  # Before 2.12 the C API sits in the Python extension, which leaves the Python
  # C API undefined (and is linked with BIND_NOW): stub those symbols.
  readelf -W --dyn-syms "$libdir.tmp/lib/$capi_lib" | awk '$7 == "UND" {print $8}' | sed 's/@.*//' \
    | grep -E '^_?Py' | LC_ALL=C sort -u >"$libdir.tmp/python-symbols.txt" || true
  if [[ -s "$libdir.tmp/python-symbols.txt" ]]; then
    step="building the Python C-API stub for $capi_lib"
    {
      echo '#include <stdio.h>'
      echo '#include <stdlib.h>'
      printf '%s\n' 'static void no_python(const char *n) { fprintf(stderr, "libtensorflow called the Python C API (%s) outside Python: unsupported\n", n); abort(); }'
      while read -r s; do
        if [[ "$s" =~ ^PyExc_ || "$s" =~ _Type$ || "$s" =~ ^_Py_.*Struct$ ]]; then
          echo "__attribute__((visibility(\"default\"), aligned(64))) unsigned char ${s}[1024];"
        else
          echo "__attribute__((visibility(\"default\"))) void $s(void) { no_python(\"$s\"); }"
        fi
      done <"$libdir.tmp/python-symbols.txt"
    } >"$libdir.tmp/pystub.c"
    cc -O2 -shared -fPIC -Wl,-soname,libtfjs_pystub.so -o "$libdir.tmp/lib/libtfjs_pystub.so" "$libdir.tmp/pystub.c"
    say "$capi_lib references $(wc -l <"$libdir.tmp/python-symbols.txt") Python C-API symbols: stubbed in libtfjs_pystub.so"
  fi
  rm -rf "$cache/wheels"   # the extracted libraries are the cache; pip keeps its own
  mv "$libdir.tmp" "$libdir"
  touch "$libdir/.complete"
fi
capi_lib="$(cat "$libdir/capi-lib")"

step="checking that $capi_lib exports the C API symbols the binding calls"
missing="$(grep -ohE '\bTFE?_[A-Z][A-Za-z0-9]*\(' "$pkgdir"/binding/*.cc "$pkgdir"/binding/*.h | tr -d '(' \
  | grep -vE '^TFE?_Auto' | LC_ALL=C sort -u | LC_ALL=C comm -23 - "$libdir/exports.txt")"
[[ -z "$missing" ]] || fail "$capi_lib from $wheel_dist==$TF_VERSION lacks: $(tr "\n" " " <<<"$missing")"

# --- 4. CUDA libraries for the GPU flavour (PyPI nvidia-* wheels) ---------------------
if [[ "$FLAVOR" == gpu ]]; then
  pins="$(cat "$libdir/cuda-pins.txt" 2>/dev/null || true)"
  [[ -n "$pins" ]] || fail "tensorflow==$TF_VERSION has no [and-cuda] extra pinning nvidia-* wheels (TensorFlow 2.14+ has one)"
  if [[ "$gpu_dry" == 1 ]]; then
    say "dry run: would pip install --no-deps --target $cache/cuda-$TF_VERSION $(tr "\n" " " <<<"$pins")"
  elif [[ ! -f "$cache/cuda-$TF_VERSION/.complete" ]]; then
    step="installing the CUDA libraries from PyPI: $(tr "\n" " " <<<"$pins")"
    rm -rf "$cache/cuda-$TF_VERSION"
    mapfile -t pin_list <<<"$pins"
    python3 -m pip install --no-deps --only-binary=:all: --target "$cache/cuda-$TF_VERSION" "${pin_list[@]}" >"$cache/pip-cuda.log" 2>&1 \
      || fail "pip could not install the CUDA wheels: $(tail -n 5 "$cache/pip-cuda.log")"
    touch "$cache/cuda-$TF_VERSION/.complete"
  fi
fi

# --- 5. stage deps/ and build the binding -----------------------------------------------
step="staging $pkgdir/deps"
rm -rf "$pkgdir/deps" "$pkgdir/build" "$pkgdir"/lib/napi-v*
mkdir -p "$pkgdir/deps/lib"
for f in "$libdir"/lib/*; do
  ln -f "$f" "$pkgdir/deps/lib/" 2>/dev/null || cp -a "$f" "$pkgdir/deps/lib/"   # hard link: no second copy
done
cp -a "$libdir/include" "$pkgdir/deps/include"
(
  cd "$pkgdir/deps/lib"
  ln -sf "$capi_lib" libtensorflow.so
  ln -sf "$capi_lib" libtensorflow.so.2.9.1          # the file tfjs-node's install.js looks for
  ln -sf libtensorflow_framework.so.2 libtensorflow_framework.so
)
if [[ "$FLAVOR" == gpu && "$gpu_dry" != 1 ]]; then
  # libtensorflow's RUNPATH has $ORIGIN/../nvidia/<lib>/lib: deps/nvidia.
  ln -sfn "$cache/cuda-$TF_VERSION/nvidia" "$pkgdir/deps/nvidia"
fi

step="locating the binding's output folder (node-pre-gyp's module_path)"
module_path="$(cd "$pkgdir" && node -p "require('path').dirname(require('@mapbox/node-pre-gyp').find(require('path').resolve('package.json')))")"
napi_build_version="$(basename "$module_path" | sed 's/^napi-v//')"
[[ "$napi_build_version" =~ ^[0-9]+$ ]] || fail "unexpected module_path $module_path"

step="building tfjs_binding.node with node-gyp (--nodedir=$nodedir)"
ldflags=""
[[ -f "$pkgdir/deps/lib/libtfjs_pystub.so" ]] && ldflags="-Wl,--no-as-needed -L$pkgdir/deps/lib -ltfjs_pystub"
build_start=$SECONDS
say "building the binding against $capi_lib (TensorFlow $TF_VERSION)"
if ! (cd "$pkgdir" && LDFLAGS="$ldflags" npm_config_offline=true node "$node_gyp" rebuild \
        --nodedir="$nodedir" --module_name=tfjs_binding --module_path="$module_path" \
        --napi_build_version="$napi_build_version" -j "$(nproc)" >"$cache/build-$FLAVOR.log" 2>&1); then
  fail "node-gyp failed; last lines of $cache/build-$FLAVOR.log:
$(grep -E 'error|Error' "$cache/build-$FLAVOR.log" | head -n 5)
$(tail -n 5 "$cache/build-$FLAVOR.log")"
fi
rm -rf "$pkgdir/build/Release/obj.target"
binding="$module_path/tfjs_binding.node"
[[ -f "$binding" ]] || fail "node-gyp succeeded but $binding is missing"
say "built $(realpath --relative-to="$target" "$binding") in $(( SECONDS - build_start )) s"

step="checking the binding's TensorFlow symbols against $capi_lib"
unresolved="$(nm -D --undefined-only "$binding" | awk '{print $2}' | sed 's/@.*//' | grep -E '^TFE?_' \
  | LC_ALL=C sort -u | LC_ALL=C comm -23 - "$libdir/exports.txt" || true)"
[[ -z "$unresolved" ]] || fail "the binding needs symbols $capi_lib does not export: $(tr "\n" " " <<<"$unresolved")"

# --- 6. verify ---------------------------------------------------------------------------
step="verifying: require('$pkg') + matmul in $target"
out="$(verify)" || fail "$out"
if [[ "$FLAVOR" == gpu && "$gpu_dry" == 1 ]]; then
  remove_pkg
  say "dry run OK in $(( SECONDS - started )) s: $(tail -n1 <<<"$out"); $pkg removed again (no CUDA here)"
  exit 0
fi
printf '%s\n' "$want" >"$pkgdir/.seamflow-native"
printf '%s\n' "$want" >"$cache/$FLAVOR.ok"
say "OK in $(( SECONDS - started )) s: $(tail -n1 <<<"$out")"
say "cache: $cache ($(du -sh "$cache" | cut -f1)); rebuild with --force, remove with --remove"
