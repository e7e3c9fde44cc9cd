#!/usr/bin/env python3
"""Reference parameter and MAC counts for vision transformers, from PyTorch.

This script builds vision-transformer models from their reference PyTorch
implementations and records, for each one, exact numbers that vitscope's own
counts can be checked against:

* ``params``            - number of elements of all parameters
* ``trainable_params``  - the same over parameters with ``requires_grad=True``
                          (T2T-ViT keeps its sinusoidal position table and the
                          performer random features as frozen parameters)
* ``buffers``           - number of elements of all buffers except BatchNorm's
                          ``num_batches_tracked`` counters
* ``macs``              - ``torch.utils.flop_counter.FlopCounterMode`` total
                          FLOPs divided by 2 (it counts 2 FLOPs per
                          multiply-accumulate, matmul/conv family only)
* ``macs_by_op``        - the same, split by aten op
* ``fvcore``            - ``fvcore.nn.FlopCountAnalysis(model, x).total()``;
                          fvcore counts one fused multiply-add as one "flop" but
                          also adds estimates for norms and adaptive pooling
* ``fvcore_by_op``      - ``FlopCountAnalysis.by_operator()``
* ``fvcore_ignored_ops``- ops fvcore met in the trace but has no handle for
* ``params_by_module``  - parameters per first-level child module, plus the
                          model's own top-level ``nn.Parameter`` s by name
* ``output_shape``      - shape of the model output

All measurements use ``model.eval()``, ``torch.no_grad()`` and an all-zero
input of batch 1 (plus batch 2 for two presets, to show scaling).  timm's
fused attention is switched off (``TIMM_FUSED_ATTN=0``) so that attention is
traced as explicit matmuls, which both counters understand.

Models covered:

* timm (``timm.create_model(name, pretrained=False)``): ViT, DeiT, PiT and
  ResNet-50 presets, at their default size and rebuilt with
  ``img_size=(h, w)`` for the other sizes;
* T2T-ViT from the authors' repository (yitu-opensource/T2T-ViT), via its
  factory functions; non-square sizes are skipped because T2T reshapes its
  tokens to a square grid;
* CvT from the authors' repository (microsoft/CvT), built from the
  ``MODEL.SPEC`` of its ImageNet yaml files exactly as ``get_cls_model`` does;
  CvT takes no image size, so one model is fed inputs of each size;
* constructor calls of the ``vit-pytorch`` package (section ``vit_pytorch``
  of the output), listed and measured by ``vit_pytorch_counts.py``, which
  can also refresh that section alone.

The author repositories are only read, never modified: their ``models`` /
``lib/models`` folders are imported as anonymous packages (so their
``__init__.py`` files, which pull in unrelated variants, are not run), and the
one import that modern PyTorch lacks (``torch._six.container_abcs``, used by
CvT) is provided by an in-memory stand-in for the duration of the import.

Usage::

    python scripts/reference_counts.py \\
        --t2t-repo /path/to/T2T-ViT --cvt-repo /path/to/CvT \\
        --out Tests/Fixtures/reference-counts.json

``--t2t-repo`` must contain ``models/t2t_vit.py``; ``--cvt-repo`` must contain
``lib/models/cls_cvt.py`` and ``experiments/imagenet/cvt/*.yaml``.  Ordinary
directories are expected, e.g. from ``git archive HEAD | tar -x``.  Options
``--only NAME`` (repeatable) and ``--skip-vit-pytorch`` restrict the run, which
is useful for quick checks; the full run takes a while on a CPU.
"""

import os

# Must be set before timm is imported (directly or by the author repositories):
# timm reads it once, at import time, to decide whether Attention modules use
# F.scaled_dot_product_attention.  With 0 they use explicit q @ k^T and attn @ v.
os.environ["TIMM_FUSED_ATTN"] = "0"

import argparse
import collections.abc
import contextlib
import gc
import importlib
import importlib.machinery
import importlib.metadata
import importlib.util
import io
import json
import platform
import sys
import time
import traceback
import types
import warnings
from functools import partial
from pathlib import Path

import torch
import torch.nn as nn

import fvcore
import timm
import yaml

import vit_pytorch_counts  # same folder
from counting import log, measure  # same folder


# --------------------------------------------------------------------------
# Presets
# --------------------------------------------------------------------------

TIMM_PRESETS = [
    "vit_tiny_patch16_224",
    "vit_small_patch16_224",
    "vit_base_patch16_224",
    "vit_base_patch32_224",
    "vit_large_patch16_224",
    "vit_huge_patch14_224",
    "vit_base_patch16_384",
    "vit_large_patch16_384",
    "deit_tiny_patch16_224",
    "deit_small_patch16_224",
    "deit_base_patch16_224",
    "deit_base_patch16_384",
    "deit_tiny_distilled_patch16_224",
    "deit_small_distilled_patch16_224",
    "deit_base_distilled_patch16_224",
    "deit_base_distilled_patch16_384",
    "pit_ti_224",
    "pit_xs_224",
    "pit_s_224",
    "pit_b_224",
    "pit_ti_distilled_224",
    "pit_xs_distilled_224",
    "pit_s_distilled_224",
    "pit_b_distilled_224",
    "resnet50",
]

# T2T-ViT factory functions (models/t2t_vit.py) and their tokens-to-token type.
T2T_PRESETS = {
    "t2t_vit_7": "performer",
    "t2t_vit_10": "performer",
    "t2t_vit_12": "performer",
    "t2t_vit_14": "performer",
    "t2t_vit_19": "performer",
    "t2t_vit_24": "performer",
    "t2t_vit_t_14": "transformer",
    "t2t_vit_t_19": "transformer",
    "t2t_vit_t_24": "transformer",
}

# CvT presets: yaml file under experiments/imagenet/cvt and default image size.
CVT_PRESETS = {
    "cvt_13": ("cvt-13-224x224.yaml", 224),
    "cvt_21": ("cvt-21-224x224.yaml", 224),
    "cvt_w24": ("cvt-w24-384x384.yaml", 384),
}

# Swin presets (timm) and the two builds measured besides the default: the image size, and the
# window size given to create_model (None: the preset's own). vitscope models no padding, so each
# grid must be whole windows; the second build changes the window, and at 192 px the 384 model
# shrinks its last two stages' windows to their grids.
SWIN_PRESETS = {
    "swin_tiny_patch4_window7_224": [(448, None), (256, 8)],
    "swin_small_patch4_window7_224": [(448, None), (256, 8)],
    "swin_base_patch4_window7_224": [(448, None), (256, 8)],
    "swin_large_patch4_window7_224": [(448, None), (256, 8)],
    "swin_base_patch4_window12_384": [(192, None), (256, 8)],
}

# Sizes measured besides each preset's default, as (height, width).
EXTRA_SIZES = [(160, 160), (192, 256)]

# Presets additionally measured at batch 2 (default size) to show scaling.
BATCH2_PRESETS = {"vit_small_patch16_224", "pit_s_224"}

def size_key(h, w):
    """JSON key for an input size, e.g. '192x256' (height x width)."""
    return f"{h}x{w}"


# --------------------------------------------------------------------------
# Measuring one model
# --------------------------------------------------------------------------

def check_timm_attention_not_fused(model):
    """Assert every module with a `fused_attn` flag has it off; return how many."""
    n = 0
    for name, module in model.named_modules():
        if hasattr(module, "fused_attn"):
            if module.fused_attn:
                raise RuntimeError(f"fused attention is on in {name}")
            n += 1
    return n


def measure_safely(build, h, w, batch=1):
    """Build a model (callable) and measure it; on failure record the error."""
    try:
        model = build()
        x = torch.zeros(batch, 3, h, w)
        return measure(model, x)
    except Exception as exc:  # record and continue with the next size
        log(f"  error at {size_key(h, w)} batch {batch}: {exc!r}")
        traceback.print_exc(file=sys.stderr)
        return {"error": f"{type(exc).__name__}: {exc}"}
    finally:
        gc.collect()


# --------------------------------------------------------------------------
# Importing the author repositories without modifying them
# --------------------------------------------------------------------------

def import_folder_as_package(package_name, folder):
    """Register `folder` as package `package_name` without running its __init__.py.

    Submodules can then be imported as `package_name.module`, and their
    relative imports (`from .x import y`) resolve inside the folder.
    """
    spec = importlib.machinery.ModuleSpec(package_name, None, is_package=True)
    spec.submodule_search_locations = [str(folder)]
    package = importlib.util.module_from_spec(spec)
    sys.modules[package_name] = package
    return package


@contextlib.contextmanager
def torch_six_stand_in():
    """Provide `torch._six.container_abcs` (removed in PyTorch 2.0) while importing."""
    try:
        import torch._six  # noqa: F401  (present on old PyTorch only)
        yield
        return
    except ImportError:
        pass
    stand_in = types.ModuleType("torch._six")
    stand_in.container_abcs = collections.abc
    sys.modules["torch._six"] = stand_in
    try:
        yield
    finally:
        del sys.modules["torch._six"]


def load_t2t(repo):
    """Import models/t2t_vit.py from the T2T-ViT checkout."""
    folder = Path(repo) / "models"
    if not (folder / "t2t_vit.py").is_file():
        sys.exit(f"--t2t-repo: {folder / 't2t_vit.py'} not found")
    # t2t_vit.py decorates its factories with timm's @register_model; make sure
    # that cannot overwrite one of timm's own model names.
    clashes = set(T2T_PRESETS) & set(timm.list_models())
    if clashes:
        sys.exit(f"T2T model names clash with timm's registry: {sorted(clashes)}")
    import_folder_as_package("t2t_reference", folder)
    with warnings.catch_warnings():
        # Old import paths (timm.models.helpers/registry/layers) still work in
        # timm 1.x but warn that they are deprecated.
        warnings.simplefilter("ignore", FutureWarning)
        return importlib.import_module("t2t_reference.t2t_vit")


def load_cvt(repo):
    """Import lib/models/cls_cvt.py from the CvT checkout."""
    folder = Path(repo) / "lib" / "models"
    if not (folder / "cls_cvt.py").is_file():
        sys.exit(f"--cvt-repo: {folder / 'cls_cvt.py'} not found")
    import_folder_as_package("cvt_reference", folder)
    with warnings.catch_warnings(), torch_six_stand_in():
        warnings.simplefilter("ignore", FutureWarning)
        return importlib.import_module("cvt_reference.cls_cvt")


def cvt_spec(repo, yaml_name):
    """MODEL.SPEC of a CvT experiment yaml, keys kept upper-case as in the file."""
    path = Path(repo) / "experiments" / "imagenet" / "cvt" / yaml_name
    with open(path) as f:
        config = yaml.safe_load(f)
    return config["MODEL"]["SPEC"]


# --------------------------------------------------------------------------
# Model families
# --------------------------------------------------------------------------

def quiet(fn):
    """Call fn() with its stdout swallowed (T2T prints which encoder it adopts)."""
    with contextlib.redirect_stdout(io.StringIO()):
        return fn()


def run_timm(name):
    default = timm.create_model(name, pretrained=False)
    cfg = default.pretrained_cfg
    patch_embed = getattr(default, "patch_embed", None)
    img_size = getattr(patch_embed, "img_size", None)
    takes_img_size = img_size is not None
    h, w = tuple(img_size) if takes_img_size else tuple(cfg["input_size"][1:])
    entry = {
        "source": "timm",
        "build": f"timm.create_model({name!r}, pretrained=False)",
        "num_classes": default.num_classes,
        "img_size": list(img_size) if takes_img_size else None,
        "pretrained_tag": cfg.get("tag"),
        "pretrained_cfg_num_classes": cfg.get("num_classes"),
        "pretrained_cfg_input_size": list(cfg["input_size"]),
        "default_size": [h, w],
        "attention_modules_checked_unfused": check_timm_attention_not_fused(default),
        "sizes": {},
    }
    sizes = [(h, w)] + EXTRA_SIZES
    for sh, sw in sizes:
        log(f"{name} {size_key(sh, sw)}")
        if (sh, sw) == (h, w):
            build = lambda: default
        elif takes_img_size:
            def build(sh=sh, sw=sw):
                model = timm.create_model(name, pretrained=False, img_size=(sh, sw))
                check_timm_attention_not_fused(model)
                return model
        else:  # ResNet: any input size, same model
            build = lambda: default
        entry["sizes"][size_key(sh, sw)] = measure_safely(build, sh, sw)
    if not takes_img_size:
        entry["size_note"] = "model takes no image size; the default model was fed each input size"
    else:
        entry["size_note"] = "a new model was built with img_size=(h, w) for each non-default size"
    if name in BATCH2_PRESETS:
        log(f"{name} {size_key(h, w)} batch 2")
        entry["batch2"] = measure_safely(lambda: default, h, w, batch=2)
    return entry


def swin_key(size, window):
    """JSON key of a Swin build: '448x448', or '256x256-window8' with another window size."""
    return size_key(size, size) + ("" if window is None else f"-window{window}")


def run_swin(name):
    default = timm.create_model(name, pretrained=False)
    h, w = tuple(default.patch_embed.img_size)
    entry = {
        "source": "timm",
        "build": f"timm.create_model({name!r}, pretrained=False); other builds: img_size=N, window_size=W",
        "num_classes": default.num_classes,
        "default_size": [h, w],
        "sizes": {size_key(h, w): measure_safely(lambda: default, h, w)},
    }
    log(f"{name} {size_key(h, w)}")
    for size, window in SWIN_PRESETS[name]:
        log(f"{name} {swin_key(size, window)}")
        kwargs = {"img_size": size} if window is None else {"img_size": size, "window_size": window}
        entry["sizes"][swin_key(size, window)] = measure_safely(
            lambda: timm.create_model(name, pretrained=False, **kwargs), size, size)
    entry["size_note"] = "a new model was built with img_size (and window_size where the key names one)"
    return entry


def run_t2t(module, name):
    factory = getattr(module, name)
    h = w = 224
    entry = {
        "source": "T2T-ViT (author repository)",
        "build": f"models.t2t_vit.{name}()" + "; other sizes: img_size=h",
        "tokens_type": T2T_PRESETS[name],
        "num_classes": 1000,
        "default_size": [h, w],
        "sizes": {},
    }
    for sh, sw in [(h, w)] + EXTRA_SIZES:
        key = size_key(sh, sw)
        log(f"{name} {key}")
        if sh != sw:
            entry["sizes"][key] = {"skipped": "T2T-ViT reshapes tokens to a square grid"}
            continue
        if (sh, sw) == (h, w):
            build = lambda: quiet(factory)
        else:
            build = lambda sh=sh: quiet(lambda: factory(img_size=sh))
        entry["sizes"][key] = measure_safely(build, sh, sw)
    return entry


def run_cvt(module, repo, name):
    yaml_name, size = CVT_PRESETS[name]
    spec = cvt_spec(repo, yaml_name)
    # Same arguments as get_cls_model() in lib/models/cls_cvt.py.
    model = module.ConvolutionalVisionTransformer(
        in_chans=3,
        num_classes=1000,
        act_layer=module.QuickGELU,
        norm_layer=partial(module.LayerNorm, eps=1e-5),
        init="trunc_norm",
        spec=spec,
    )
    entry = {
        "source": "CvT (author repository)",
        "build": (f"ConvolutionalVisionTransformer(in_chans=3, num_classes=1000, "
                  f"act_layer=QuickGELU, norm_layer=partial(LayerNorm, eps=1e-5), "
                  f"init='trunc_norm', spec=<MODEL.SPEC of {yaml_name}>)"),
        "num_classes": 1000,
        "default_size": [size, size],
        "spec": spec,
        "size_note": "model takes no image size; the same model was fed each input size",
        "sizes": {},
    }
    for sh, sw in [(size, size)] + EXTRA_SIZES:
        log(f"{name} {size_key(sh, sw)}")
        entry["sizes"][size_key(sh, sw)] = measure_safely(lambda: model, sh, sw)
    return entry


def run_vit_pytorch():
    """The vit_pytorch section: the constructor calls listed in vit_pytorch_counts.py."""
    return vit_pytorch_counts.run()


# --------------------------------------------------------------------------
# Main
# --------------------------------------------------------------------------

def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--t2t-repo", help="T2T-ViT checkout (contains models/); needed for T2T presets")
    parser.add_argument("--cvt-repo", help="CvT checkout (contains lib/models/); needed for CvT presets")
    parser.add_argument("--out", required=True, help="path of the JSON file to write")
    parser.add_argument("--only", action="append", default=None,
                        help="measure only this preset (repeatable)")
    parser.add_argument("--skip-vit-pytorch", action="store_true",
                        help="leave out the vit_pytorch section")
    parser.add_argument("--update", action="store_true",
                        help="replace only the measured presets (and sections) in an existing --out file")
    args = parser.parse_args()

    torch.set_num_threads(2)
    torch.manual_seed(0)  # counts do not depend on it, but keep runs identical

    def wanted(name):
        return args.only is None or name in args.only

    for presets_of, repo, what in [(T2T_PRESETS, args.t2t_repo, "--t2t-repo"), (CVT_PRESETS, args.cvt_repo, "--cvt-repo")]:
        if repo is None and any(wanted(name) for name in presets_of):
            parser.error(f"{what} is needed for {', '.join(n for n in presets_of if wanted(n))} (or restrict with --only)")
    t2t = load_t2t(args.t2t_repo) if args.t2t_repo else None
    cvt = load_cvt(args.cvt_repo) if args.cvt_repo else None

    presets = {}
    started = time.time()
    for name in TIMM_PRESETS:
        if wanted(name):
            presets[name] = run_timm(name)
            gc.collect()
    for name in SWIN_PRESETS:
        if wanted(name):
            presets[name] = run_swin(name)
            gc.collect()
    for name in T2T_PRESETS:
        if wanted(name):
            presets[name] = run_t2t(t2t, name)
            gc.collect()
    for name in CVT_PRESETS:
        if wanted(name):
            presets[name] = run_cvt(cvt, args.cvt_repo, name)
            gc.collect()

    result = {
        "meta": {
            "generator": "scripts/reference_counts.py",
            "python": platform.python_version(),
            "torch": torch.__version__,
            "timm": timm.__version__,
            "fvcore_version": importlib.metadata.version("fvcore"),
            "TIMM_FUSED_ATTN": os.environ["TIMM_FUSED_ATTN"],
            "input": "torch.zeros(batch, 3, h, w); model.eval(); torch.no_grad()",
            "size_keys": "HxW (height x width)",
            "macs": "torch.utils.flop_counter.FlopCounterMode total FLOPs / 2",
            "fvcore": "fvcore.nn.FlopCountAnalysis(model, x).total() "
                      "(1 fused multiply-add = 1; includes norm/pool estimates)",
            "buffers": "numel of all buffers except BatchNorm num_batches_tracked",
        },
        "presets": presets,
    }
    if not args.skip_vit_pytorch:
        result["vit_pytorch"] = run_vit_pytorch()
    result["meta"]["seconds"] = round(time.time() - started)

    out = Path(args.out)
    if args.update and out.exists():
        with open(out) as f:
            previous = json.load(f)
        previous["presets"].update(result["presets"])
        if "vit_pytorch" in result:
            previous["vit_pytorch"] = result["vit_pytorch"]
        previous["meta"].update({k: v for k, v in result["meta"].items() if k != "seconds"})
        result = previous
    out.parent.mkdir(parents=True, exist_ok=True)
    with open(out, "w") as f:
        json.dump(result, f, indent=1, sort_keys=True)
        f.write("\n")
    log(f"wrote {out}")


if __name__ == "__main__":
    main()
