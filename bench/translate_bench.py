"""Benchmark: `pipeline translate` against the way Argos calls CTranslate2, and raw CTranslate2.

A random model the size of an Argos package (Transformer 6+6 layers, d_model 512, 8 heads,
FFN 2048, vocabulary 8000, SentencePiece trained on the article) translates the article's
catalog three ways, with the same translator options and max_decoding_length for all:

1. the pipeline's translate stage (TM, fragments, length-sorted batches, MT cache, catalog
   write), with the model already loaded;
2. Argos-style: one translate_batch per sentence, beam 4, batch_type="tokens", max_batch_size=32;
3. raw: one translate_batch over all the same token sequences.

Outputs must be identical (same beam). Run: ``.venv/bin/python bench/translate_bench.py``
(``--device cuda`` on a GPU). The model is built once under bench/out/ and reused.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

import argos_fixture  # noqa: E402

from pipeline import config, fragments  # noqa: E402
from pipeline.extract import extract  # noqa: E402
from pipeline.update import update  # noqa: E402


def build_model(out: Path) -> Path:
    archive = out / "translate-zh_en.argosmodel"
    if archive.is_file():
        return archive
    text = "\n".join([argos_fixture.article_text(ROOT), argos_fixture.LATIN,
                      argos_fixture.pseudo_words(60000)])
    sp, vocab = argos_fixture.train_sentencepiece(text, out / "sp", 8000)
    print(f"SentencePiece vocabulary: {len(vocab)}", file=sys.stderr)
    return argos_fixture.build_package(out, from_code="zh", to_code="en", sp_model=sp, vocab=vocab,
                                       layers=6, d_model=512, heads=8, ffn=2048, seed=11)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--device", default="cpu")
    # float32 by default: int8 kernels are not batch-invariant, so batched and one-by-one
    # decoding of a random model (flat logits, many near-ties) can pick different tokens.
    ap.add_argument("--compute-type", default="float32")
    ap.add_argument("--threads", type=int, default=0)
    ap.add_argument("--max-decoding-length", type=int, default=48)
    ap.add_argument("--beam-size", type=int, default=4)
    args = ap.parse_args()

    out = ROOT / "bench" / "out" / "translate"
    out.mkdir(parents=True, exist_ok=True)
    archive = build_model(out)
    os.environ["ARGOS_PACKAGES_DIR"] = str(out / "packages")
    if not (out / "packages").is_dir():
        from pipeline.models import add

        add(archive)
    proj = out / "proj"
    shutil.rmtree(proj, ignore_errors=True)
    proj.mkdir()
    shutil.copy(ROOT / "pyproject.toml", proj)
    shutil.copytree(ROOT / "source", proj / "source")
    cfg = config.load(proj, beam_size=args.beam_size, compute_type=args.compute_type,
                      device=args.device, threads=args.threads,
                      max_decoding_length=args.max_decoding_length)
    extract(cfg)
    update(cfg, ("en",))

    from pipeline.engines.argos import ArgosEngine, decode
    from pipeline.translate import translate

    # 1. the pipeline's stage, model loaded beforehand (as for every later language/run)
    t0 = time.perf_counter()
    engine = ArgosEngine(cfg, cfg.source_language, "en")
    translator = engine._translator(0)
    load_s = time.perf_counter() - t0
    tok = engine._tokenizer(0)
    translator.translate_batch([tok.encode("预热")], beam_size=1, max_decoding_length=4)  # warm-up
    got: dict[str, str] = {}
    real_translate = engine.translate

    def recording(batch):
        res = real_translate(batch)
        got.update({s: o for s, (o, _) in zip(batch, res)})
        return res

    engine.translate = recording
    t0 = time.perf_counter()
    result = translate(cfg, ("en",), engine_factory=lambda *a: engine)
    pipeline_s = time.perf_counter() - t0
    texts = sorted(got)
    tokens = [tok.encode(t) for t in texts]
    opts = dict(beam_size=args.beam_size, max_decoding_length=args.max_decoding_length,
                replace_unknowns=True, length_penalty=0.2, return_scores=True)

    # 2. Argos-style: one call per sentence
    t0 = time.perf_counter()
    argos_out = [translator.translate_batch([t], max_batch_size=32, batch_type="tokens", **opts)[0]
                 for t in tokens]
    argos_s = time.perf_counter() - t0

    # 3. raw: one call over the same token sequences
    t0 = time.perf_counter()
    raw_out = translator.translate_batch(tokens, **opts)
    raw_s = time.perf_counter() - t0

    argos_txt = [decode(tok, r.hypotheses[0]) for r in argos_out]
    raw_txt = [decode(tok, r.hypotheses[0]) for r in raw_out]
    pipe_txt = [got[t] for t in texts]
    n_tok = sum(len(t) for t in tokens)
    print(f"device={args.device} compute_type={args.compute_type} beam={args.beam_size} "
          f"max_decoding_length={args.max_decoding_length} threads={args.threads or 'auto'}")
    print(f"model: 6+6 layers, d_model 512, 8 heads, ffn 2048, vocab {len(tok.lazy_processor())}; "
          f"load {load_s:.2f} s")
    print(f"input: {result.counts.get('machine-translated', 0)} catalog entries -> {len(texts)} "
          f"fragments, {n_tok} source tokens, {result.counts.get('model batches', 0)} batches")
    print(f"{'method':<34}{'seconds':>9}{'vs pipeline':>13}")
    print(f"{'pipeline translate (stage)':<34}{pipeline_s:>9.2f}{1:>12.2f}x")
    print(f"{'Argos-style, 1 call per sentence':<34}{argos_s:>9.2f}{argos_s / pipeline_s:>12.2f}x")
    print(f"{'raw translate_batch, 1 call':<34}{raw_s:>9.2f}{raw_s / pipeline_s:>12.2f}x")
    print(f"pipeline is {argos_s / pipeline_s:.1f}x faster than Argos-style; "
          f"{(pipeline_s / raw_s - 1) * 100:+.1f}% vs raw")
    same_argos = sum(a == b for a, b in zip(pipe_txt, argos_txt))
    same_raw = sum(a == b for a, b in zip(pipe_txt, raw_txt))
    print(f"identical outputs: pipeline = Argos-style {same_argos}/{len(texts)}, "
          f"pipeline = raw {same_raw}/{len(texts)}")
    if same_argos != len(texts) or same_raw != len(texts):
        sys.exit(1)


if __name__ == "__main__":
    main()
