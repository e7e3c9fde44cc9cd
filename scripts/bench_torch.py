#!/usr/bin/env python3
"""PyTorch timings to set vitscope's CPU backend against, printed as JSON.

Measured in one run, each figure the median of several runs after warm-up:

* ``mm``     - ``torch.mm(a, b, out=c)`` on square float32 matrices (1024, 1536
               and 2048 by default); GFLOP/s = 2 n^3 / median seconds;
* ``models`` - eager forward time of timm's ``vit_small_patch16_224``,
               ``pit_s_224`` and ``vit_base_patch16_224`` (random weights,
               ``eval()``, ``torch.inference_mode()``) at batch 1 and 8;
* ``side_by_side`` (with ``--vitscope BINARY``) - ``BINARY bench --gemm N
               --format json`` and ``torch.mm`` alternated for ``--rounds``
               rounds at each size, so both see the same machine load; each
               side's figure is the median over rounds of its per-round median;
* ``models_side_by_side`` (with ``--vitscope BINARY``, unless
               ``--skip-models``) - the same for each model and batch:
               ``BINARY bench MODEL --batch B`` alternated with timm's forward
               pass, and the ratio of vitscope's time to PyTorch's; with
               ``--onnx``, ONNX Runtime's too (the model exported from timm by
               ``torch.onnx.export``, opset 17, for that batch; a session with
               every graph optimisation, ``intra_op_num_threads`` = threads),
               the three alternated in each round, and vitscope's ratio to it;
* ``training_side_by_side`` (with ``--vitscope BINARY --train``) - one
               float32 training step per run: timm's model in ``train()``
               mode (drop rates 0, timm's defaults for these models; fused
               attention, timm's default), ``F.cross_entropy`` against fixed
               labels, ``loss.backward()``, ``torch.optim.AdamW.step()`` and
               ``zero_grad()``, alternated with ``BINARY bench MODEL --train
               --batch B`` (the same step on vitscope's CPU backend).

``--threads N`` sets ``torch.set_num_threads(N)`` and is passed on to
``vitscope bench``.  Nothing here is needed to build or test vitscope.

Usage::

    swift build -c release
    python scripts/bench_torch.py --threads 2 --vitscope .build/release/vitscope
    python scripts/bench_torch.py --threads 2 --vitscope .build/release/vitscope --onnx --skip-mm
    python scripts/bench_torch.py --threads 1 --skip-models --sizes 1024
    python scripts/bench_torch.py --threads 2 --vitscope .build/release/vitscope --train --skip-mm
"""

import argparse
import json
import platform
import statistics
import subprocess
import time

import torch

MODELS = ["vit_small_patch16_224", "pit_s_224", "vit_base_patch16_224"]
BATCHES = [1, 8]


def timed(call, runs, warmup):
    """Seconds of each of `runs` calls of `call`, after `warmup` untimed calls."""
    for _ in range(warmup):
        call()
    seconds = []
    for _ in range(runs):
        start = time.perf_counter()
        call()
        seconds.append(time.perf_counter() - start)
    return seconds


def torch_mm(size, runs):
    """Median and fastest seconds of torch.mm on (size, size) float32 matrices."""
    generator = torch.Generator().manual_seed(size)
    a = torch.rand(size, size, generator=generator) * 2 - 1
    b = torch.rand(size, size, generator=generator) * 2 - 1
    c = torch.empty(size, size)
    seconds = timed(lambda: torch.mm(a, b, out=c), runs, warmup=2)
    return statistics.median(seconds), min(seconds)


def vitscope_mm(binary, size, runs, threads):
    """Median and fastest seconds that `vitscope bench --gemm size` reports."""
    output = subprocess.run(
        [binary, "bench", "--gemm", str(size), "--runs", str(runs),
         "--threads", str(threads), "--format", "json"],
        check=True, capture_output=True, text=True).stdout
    report = json.loads(output)
    return report["median_seconds"], report["min_seconds"]


def timm_model(name):
    """timm model `name` with random weights, in eval mode."""
    import timm
    torch.manual_seed(0)
    return timm.create_model(name, pretrained=False).eval()


def model_forward(name, batch, runs, model=None):
    """Median and fastest seconds of one eager forward pass of timm model `name`."""
    model = model if model is not None else timm_model(name)
    x = torch.rand(batch, 3, 224, 224) * 2 - 1
    with torch.inference_mode():
        seconds = timed(lambda: model(x), runs, warmup=2)
    return statistics.median(seconds), min(seconds)


def vitscope_forward(binary, name, batch, runs, threads):
    """Median and fastest seconds that `vitscope bench MODEL` reports."""
    output = subprocess.run(
        [binary, "bench", name, "--batch", str(batch), "--runs", str(runs),
         "--threads", str(threads), "--format", "json"],
        check=True, capture_output=True, text=True).stdout
    report = json.loads(output)
    return report["median_seconds"], report["min_seconds"]


def train_step(name, batch, runs, model):
    """Median and fastest seconds of one float32 training step of timm model `model`."""
    model.train()
    optimizer = torch.optim.AdamW(model.parameters(), lr=1e-4)
    generator = torch.Generator().manual_seed(batch)
    x = torch.rand(batch, 3, 224, 224, generator=generator) * 2 - 1
    labels = torch.tensor([b * 7919 % 1000 for b in range(batch)])

    def step():
        loss = torch.nn.functional.cross_entropy(model(x), labels)
        loss.backward()
        optimizer.step()
        optimizer.zero_grad(set_to_none=True)

    seconds = timed(step, runs, warmup=1)
    model.eval()
    return statistics.median(seconds), min(seconds)


def vitscope_train(binary, name, batch, runs, threads):
    """Median and fastest seconds that `vitscope bench MODEL --train` reports."""
    output = subprocess.run(
        [binary, "bench", name, "--train", "--batch", str(batch), "--runs", str(runs),
         "--threads", str(threads), "--format", "json"],
        check=True, capture_output=True, text=True).stdout
    report = json.loads(output)
    return report["median_seconds"], report["min_seconds"]


def onnx_session(name, batch, model, threads, folder):
    """An ONNX Runtime session of timm model `model` exported at `batch`, and its input."""
    import os

    import onnxruntime
    x = torch.rand(batch, 3, 224, 224) * 2 - 1
    path = os.path.join(folder, f"{name}-{batch}.onnx")
    with torch.inference_mode(False), torch.no_grad():
        try:
            torch.onnx.export(model, (x,), path, opset_version=17, input_names=["x"], output_names=["logits"],
                              dynamo=False)
        except TypeError:
            torch.onnx.export(model, (x,), path, opset_version=17, input_names=["x"], output_names=["logits"])
    options = onnxruntime.SessionOptions()
    options.graph_optimization_level = onnxruntime.GraphOptimizationLevel.ORT_ENABLE_ALL
    options.intra_op_num_threads = threads
    options.inter_op_num_threads = 1
    session = onnxruntime.InferenceSession(path, options, providers=["CPUExecutionProvider"])
    return session, {"x": x.numpy()}


def onnx_forward(session, feed, runs):
    """Median and fastest seconds of one ONNX Runtime forward pass."""
    seconds = timed(lambda: session.run(None, feed), runs, warmup=2)
    return statistics.median(seconds), min(seconds)


def gflops(size, seconds):
    return 2 * size ** 3 / seconds / 1e9


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--threads", type=int, default=torch.get_num_threads(),
                        help="torch.set_num_threads, and vitscope's --threads (default: torch's own)")
    parser.add_argument("--runs", type=int, default=7, help="timed runs per median (default 7)")
    parser.add_argument("--sizes", default="1024,1536,2048", help="square torch.mm sizes (default 1024,1536,2048)")
    parser.add_argument("--skip-models", action="store_true", help="time torch.mm only")
    parser.add_argument("--vitscope", metavar="BINARY", help="a release build of vitscope to time side by side")
    parser.add_argument("--rounds", type=int, default=5, help="alternations with --vitscope (default 5)")
    parser.add_argument("--skip-mm", action="store_true", help="time no matrix products")
    parser.add_argument("--train", action="store_true",
                        help="with --vitscope: time training steps side by side (instead of forward passes)")
    parser.add_argument("--train-batches", default="8", help="batches of the training steps (default 8)")
    parser.add_argument("--onnx", action="store_true",
                        help="with --vitscope: time ONNX Runtime's forward passes too (needs onnx and onnxruntime)")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    sizes = [] if args.skip_mm else [int(size) for size in args.sizes.split(",")]

    result = {
        "torch": torch.__version__,
        "threads": torch.get_num_threads(),
        "runs": args.runs,
        "machine": platform.machine(),
        "processor": platform.processor(),
        "mm": [],
    }
    for size in sizes:
        median, fastest = torch_mm(size, args.runs)
        result["mm"].append({"size": size, "median_seconds": median, "min_seconds": fastest,
                             "gflops": gflops(size, median)})

    if not args.skip_models and not args.train:
        import timm
        result["timm"] = timm.__version__
        result["models"] = []
        for name in MODELS:
            for batch in BATCHES:
                median, fastest = model_forward(name, batch, args.runs)
                result["models"].append({"model": name, "batch": batch, "threads": args.threads,
                                         "median_seconds": median, "min_seconds": fastest})

    if args.vitscope:
        result["side_by_side"] = []
        for size in sizes:
            torch_medians, vitscope_medians = [], []
            for _ in range(args.rounds):
                torch_medians.append(torch_mm(size, args.runs)[0])
                vitscope_medians.append(vitscope_mm(args.vitscope, size, args.runs, args.threads)[0])
            torch_rate = gflops(size, statistics.median(torch_medians))
            vitscope_rate = gflops(size, statistics.median(vitscope_medians))
            result["side_by_side"].append({
                "size": size, "threads": args.threads, "rounds": args.rounds,
                "torch_gflops": torch_rate, "vitscope_gflops": vitscope_rate,
                "ratio": vitscope_rate / torch_rate,
                "torch_round_gflops": [gflops(size, s) for s in torch_medians],
                "vitscope_round_gflops": [gflops(size, s) for s in vitscope_medians],
            })

        if args.train:
            import timm
            result["timm"] = timm.__version__
            result["training_side_by_side"] = []
            for name in MODELS:
                model = timm_model(name)
                for batch in [int(b) for b in args.train_batches.split(",")]:
                    torch_medians, vitscope_medians = [], []
                    for _ in range(args.rounds):
                        torch_medians.append(train_step(name, batch, args.runs, model)[0])
                        vitscope_medians.append(vitscope_train(args.vitscope, name, batch, args.runs, args.threads)[0])
                    torch_seconds = statistics.median(torch_medians)
                    vitscope_seconds = statistics.median(vitscope_medians)
                    result["training_side_by_side"].append({
                        "model": name, "batch": batch, "threads": args.threads, "rounds": args.rounds,
                        "torch_seconds": torch_seconds, "vitscope_seconds": vitscope_seconds,
                        "ratio": vitscope_seconds / torch_seconds,
                        "torch_round_seconds": torch_medians, "vitscope_round_seconds": vitscope_medians,
                    })
        elif not args.skip_models:
            import tempfile
            folder = tempfile.mkdtemp(prefix="bench-onnx-")
            if args.onnx:
                import onnxruntime
                result["onnxruntime"] = onnxruntime.__version__
            result["models_side_by_side"] = []
            for name in MODELS:
                model = timm_model(name)
                for batch in BATCHES:
                    session = onnx_session(name, batch, model, args.threads, folder) if args.onnx else None
                    torch_medians, vitscope_medians, onnx_medians = [], [], []
                    for _ in range(args.rounds):
                        torch_medians.append(model_forward(name, batch, args.runs, model)[0])
                        if session:
                            onnx_medians.append(onnx_forward(*session, args.runs)[0])
                        vitscope_medians.append(vitscope_forward(args.vitscope, name, batch, args.runs, args.threads)[0])
                    torch_seconds = statistics.median(torch_medians)
                    vitscope_seconds = statistics.median(vitscope_medians)
                    entry = {
                        "model": name, "batch": batch, "threads": args.threads, "rounds": args.rounds,
                        "torch_seconds": torch_seconds, "vitscope_seconds": vitscope_seconds,
                        "ratio": vitscope_seconds / torch_seconds,
                        "torch_round_seconds": torch_medians, "vitscope_round_seconds": vitscope_medians,
                    }
                    if session:
                        onnx_seconds = statistics.median(onnx_medians)
                        entry.update({"onnx_seconds": onnx_seconds, "onnx_ratio": vitscope_seconds / onnx_seconds,
                                      "onnx_round_seconds": onnx_medians})
                    result["models_side_by_side"].append(entry)
            import shutil
            shutil.rmtree(folder, ignore_errors=True)

    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
