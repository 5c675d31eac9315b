#!/usr/bin/env bash
# Install the launcher, icon, MIME type and AppStream metadata into the user's XDG data dir.
#
#   packaging/install_desktop.sh [EXEC]      # or: make install-desktop [EXEC=...]
#
# EXEC is the command the launcher runs (default `ganstudio`, from `pip install .`; for the bundle give the
# path of dist/GANStudio/ganstudio). Files go under ${XDG_DATA_HOME:-~/.local/share}: applications/,
# icons/hicolor/scalable/apps/, mime/packages/, metainfo/. The caches are rebuilt where their tools exist.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
id=io.github.ganstudio.GANStudio
exec_cmd=${1:-ganstudio}
data=${XDG_DATA_HOME:-$HOME/.local/share}

install -d "$data/applications" "$data/icons/hicolor/scalable/apps" "$data/mime/packages" "$data/metainfo"
# a path with spaces must be quoted in Exec (Desktop Entry spec, "The Exec key")
case $exec_cmd in *" "*) exec_cmd="\"$exec_cmd\"" ;; esac
sed "s|^Exec=ganstudio |Exec=$exec_cmd |" "$here/$id.desktop" > "$data/applications/$id.desktop"
install -m 644 "$here/../resources/icons/ganstudio.svg" "$data/icons/hicolor/scalable/apps/$id.svg"
install -m 644 "$here/$id.mime.xml" "$data/mime/packages/$id.xml"
install -m 644 "$here/$id.metainfo.xml" "$data/metainfo/$id.metainfo.xml"

if command -v update-mime-database >/dev/null; then update-mime-database "$data/mime"; fi
if command -v update-desktop-database >/dev/null; then update-desktop-database "$data/applications"; fi
if command -v gtk-update-icon-cache >/dev/null; then
    gtk-update-icon-cache -q -t -f "$data/icons/hicolor" || true  # only speeds up lookups
fi
echo "installed $id into $data (Exec=$exec_cmd)"
