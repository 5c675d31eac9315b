#!/usr/bin/env bash
# Build the PyInstaller bundle (one folder, CPU torch) and smoke-test it.
#
#   packaging/build_bundle.sh                 # torch as constraints.txt pins it, CPU wheels if TORCH_INDEX says where
#   TORCH_INDEX=https://download.pytorch.org/whl/cpu packaging/build_bundle.sh
#
# Everything happens under BUNDLE_DIR (default /tmp/ganstudio-bundle): a venv of its own (kept between
# builds), a copy of the working tree, PyInstaller's build/ and dist/GANStudio/, and screenshots/ of the
# smoke test. The checkout and its .venv are left as they are.
#   TORCH_INDEX  package index for torch (PyTorch's CPU index for a bundle without CUDA libraries)
#   TORCH_REQ    the torch requirement (default: the torch pin in constraints.txt)
#   PYTHON       the Python that makes the venv (default python3)
#   BASE_SITE    a site-packages folder (e.g. the checkout's .venv/lib/python3.11/site-packages) whose packages
#                the bundle's venv reuses through a .pth file instead of installing torch & co. again: no
#                download, but the bundle then carries whatever torch that is (a CUDA one: ~5 GB)
set -euo pipefail

repo=$(cd "$(dirname "$0")/.." && pwd)
out=${BUNDLE_DIR:-/tmp/ganstudio-bundle}
python=${PYTHON:-python3}
torch_req=${TORCH_REQ:-$(grep -E '^torch==' "$repo/constraints.txt")}
venv=$out/venv
src=$out/src
mkdir -p "$out"

echo "== venv $venv"
test -x "$venv/bin/python" || "$python" -m venv "$venv"
pip=("$venv/bin/python" -m pip install -q)
"${pip[@]}" --upgrade pip
if [ -n "${BASE_SITE:-}" ]; then
    # appended to sys.path after the venv's own site-packages: what is installed here wins
    site=$("$venv/bin/python" -c 'import sysconfig; print(sysconfig.get_path("purelib"))')
    echo "$BASE_SITE" > "$site/ganstudio-base-site.pth"
else
    # torch first, from TORCH_INDEX when given: the app's other requirements then keep it
    "${pip[@]}" ${TORCH_INDEX:+--index-url "$TORCH_INDEX"} "$torch_req"
fi
"$venv/bin/python" -c 'import tomllib' 2>/dev/null || "${pip[@]}" tomli
# the app's requirements without torchvision: only the trainer uses it
mapfile -t deps < <("$venv/bin/python" - "$repo/pyproject.toml" <<'PY'
import re, sys
try:
    import tomllib
except ImportError:  # Python 3.10
    import tomli as tomllib
with open(sys.argv[1], "rb") as f:
    deps = tomllib.load(f)["project"]["dependencies"]
for dep in deps:
    if re.match(r"[A-Za-z0-9_.-]+", dep).group(0).lower() not in ("torch", "torchvision"):
        print(dep)
PY
)
grep -v -E '^(torch|torchvision)==' "$repo/constraints.txt" > "$out/constraints.txt"
"${pip[@]}" -c "$out/constraints.txt" "${deps[@]}" pyinstaller  # pinned in constraints.txt

echo "== ganstudio from the working tree"
# a copy (tracked and untracked files, not ignored ones), so that pip and PyInstaller write nothing in the checkout
rm -rf "$src" && mkdir -p "$src"
git -C "$repo" ls-files -co --exclude-standard -z \
    | tar -C "$repo" --null -T - --ignore-failed-read -cf - | tar -C "$src" -xf -
"${pip[@]}" --no-deps --force-reinstall "$src"

echo "== PyInstaller"
started=$SECONDS
(cd "$src" && "$venv/bin/pyinstaller" --noconfirm --clean --log-level WARN \
    --distpath "$out/dist" --workpath "$out/build" packaging/ganstudio.spec)
bundle=$out/dist/GANStudio
echo "bundle: $bundle ($(du -sh "$bundle" | cut -f1)), built in $((SECONDS - started)) s"

echo "== smoke test"
rm -rf "$out/screenshots"
QT_QPA_PLATFORM=${QT_QPA_PLATFORM:-offscreen} "$bundle/ganstudio" --smoke-test "$out/screenshots"
