#!/usr/bin/env bash
# GPU figure of bench/translate_bench.py on the lent device machine (run from the repo root,
# with the wheels of ctranslate2, argostranslate, babel, polib, and stanza, minisbd, emoji (which
# argostranslate's installer imports through argostranslate.translate) in .whl/, carried).
# The image has cuBLAS 13 while CTranslate2's wheel dlopens libcublas.so.12: a folder with a
# libcublas.so.12 -> libcublas.so.13 link goes on LD_LIBRARY_PATH. Everything is tee'd to
# $OUT/gpu.log.
set -u
OUT=${OUT:-/tmp/gpu_check_out}
mkdir -p "$OUT"
cd "$(dirname "$0")/.."

{
set -o pipefail
t_start=$(date +%s)
echo "== install wheels"
python3 -m pip install -q --no-index --no-deps --no-compile --no-cache-dir --upgrade \
    --target /tmp/site .whl/*.whl || exit 1
export PYTHONPATH="$PWD:/tmp/site${PYTHONPATH:+:$PYTHONPATH}"
export PYTHONUNBUFFERED=1

echo "== cuBLAS 12 shim"
cublas_dir=$(python3 -c "import nvidia.cublas as m, os; print(os.path.join(list(m.__path__)[0], 'lib'))" 2>/dev/null)
lib13=$(ls "$cublas_dir"/libcublas.so.13* 2>/dev/null | head -1)
if [ -z "$lib13" ]; then
    lib13=$(find /opt /usr /usr/local -name 'libcublas.so.13*' 2>/dev/null | head -1)
fi
[ -n "$lib13" ] || { echo "no libcublas.so.13 found"; exit 1; }
mkdir -p /tmp/cu12shim
ln -sf "$lib13" /tmp/cu12shim/libcublas.so.12
export LD_LIBRARY_PATH="/tmp/cu12shim:$(dirname "$lib13")${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
echo "libcublas.so.12 -> $lib13"
ls -l "$(dirname "$lib13")" | grep -i cublas

echo "== versions"
nvidia-smi -L
python3 -c "
import sys, ctranslate2
print('python', sys.version.split()[0])
print('ctranslate2', ctranslate2.__version__)
print('cuda devices', ctranslate2.get_cuda_device_count())
try:
    print('cuda compute types', sorted(ctranslate2.get_supported_compute_types('cuda')))
except Exception as e:
    print('cuda compute types: error', e)
"

python3 -c "import argostranslate.translate; print('argostranslate.translate imports')" || echo "argostranslate.translate import failed"

echo "== bench float32"
t0=$(date +%s)
python3 bench/translate_bench.py --device cuda || echo "float32 run exited $?"
echo "float32 run wall: $(( $(date +%s) - t0 )) s (includes model build on a fresh machine)"

echo "== bench float16"
t0=$(date +%s)
python3 bench/translate_bench.py --device cuda --compute-type float16 || echo "float16 run exited $?"
echo "float16 run wall: $(( $(date +%s) - t0 )) s"
echo "total: $(( $(date +%s) - t_start )) s"
} 2>&1 | tee "$OUT/gpu.log"
exit "${PIPESTATUS[0]}"
