#!/usr/bin/env python3
"""Reference counts for timm constructor calls, the fixture of ``--timm``.

Builds random ``VisionTransformer(...)`` calls over every structural argument
``--timm`` reads, random ``create_model("NAME", ...)`` calls over the registered
ViT, DeiT, PiT, Swin and ResNet names, and a fixed list of calls written out
(``SwinTransformer``, ``PoolingVisionTransformer``, ``ResNet``, and invalid ones),
all from one seed.  Each call is evaluated with timm 1.0.31 (``TIMM_FUSED_ATTN=0``,
so attention is explicit matmuls both counters see) and recorded as either

* the counts of ``counting.measure`` on an all-zero input of batch 1 at the
  model's own size (``params``, ``trainable_params``, ``macs``, ``fvcore``,
  ``output_shape``, ``input_shape``), or
* ``error``: the exception timm raised while building or running the model.

Output: ``{"timm": VERSION, "torch": VERSION, "calls": [{"call": ..., ...}, ...]}``::

    python scripts/timm_calls.py --out Tests/Fixtures/timm-calls.json

Needs torch, timm and fvcore; the Swift build and tests never run it.
"""

import os

os.environ["TIMM_FUSED_ATTN"] = "0"

import argparse
import importlib.metadata
import json
import random

import torch
from torch import nn

import timm
from timm.models.pit import PoolingVisionTransformer
from timm.models.resnet import BasicBlock, Bottleneck, ResNet
from timm.models.swin_transformer import SwinTransformer
from timm.models.vision_transformer import VisionTransformer

from counting import log, measure

SCOPE = {
    "create_model": timm.create_model, "timm": timm, "VisionTransformer": VisionTransformer,
    "SwinTransformer": SwinTransformer, "PoolingVisionTransformer": PoolingVisionTransformer,
    "ResNet": ResNet, "Bottleneck": Bottleneck, "BasicBlock": BasicBlock, "nn": nn,
}

# Calls written out: the other classes, and calls timm rejects.
FIXED = [
    "SwinTransformer(img_size=64, patch_size=4, embed_dim=24, depths=(2, 2), num_heads=(2, 4), window_size=4, num_classes=10)",
    "SwinTransformer(img_size=(64, 96), patch_size=2, embed_dim=16, depths=[1, 2, 1], num_heads=[2, 2, 4], window_size=8, mlp_ratio=2.0, qkv_bias=False)",
    "SwinTransformer(img_size=56, embed_dim=32, depths=(2, 2), num_heads=(1, 2), head_dim=8, window_size=(7, 7), num_classes=0)",
    "PoolingVisionTransformer(img_size=96, patch_size=8, stride=4, base_dims=(16, 16), depth=(1, 2), heads=(2, 4), num_classes=10)",
    "PoolingVisionTransformer(img_size=64, base_dims=[8, 8, 8], depth=[1, 1, 1], heads=[1, 2, 4], mlp_ratio=2, distilled=True, in_chans=1)",
    "ResNet(block=Bottleneck, layers=[3, 4, 6, 3])",
    "ResNet(Bottleneck, (1, 1, 1, 1), num_classes=10, in_chans=1, drop_rate=0.2)",
    "ResNet(block=Bottleneck, layers=[2, 2, 2, 2], channels=(32, 64, 128, 256), num_classes=0)",
    "create_model('resnet101', num_classes=10)",
    "create_model('swin_tiny_patch4_window7_224', img_size=256, window_size=8)",
    "create_model('vit_base_patch16_224', img_size=384, global_pool='avg', class_token=False)",
    "VisionTransformer(img_size=64, patch_size=8, embed_dim=64, depth=2, num_heads=4, reg_tokens=4, init_values=1e-5, qk_norm=True)",
    "timm.create_model('vit_small_patch16_224', pretrained=False, drop_path_rate=0.1)",
    "create_model('vit_base_patch32_clip_quickgelu_224', num_classes=10)",
    "create_model('vit_base_patch16_siglip_gap_224', img_size=128)",
    # timm rejects these.
    "create_model('vit_tiny_patch16_224', class_token=False)",
    "create_model('vit_tiny_patch16_224', global_pool='mean')",
    "create_model('deit_tiny_distilled_patch16_224', global_pool='avg')",
    "VisionTransformer(img_size=32, patch_size=8, embed_dim=50, depth=1, num_heads=3)",
    "VisionTransformer(img_size=32, patch_size=8, embed_dim=32, depth=1, num_heads=2, drop_rate=1.5)",
    "VisionTransformer(img_size=32, patch_size=8, embed_dim=32, depth=1, num_heads=2, patch_drop_rate=1.0)",
    "VisionTransformer(img_size=32, patch_size=8, embed_dim=32, depth=1, num_heads=2, pos_embed='sincos')",
    "VisionTransformer(img_size=32, patch_size=8, embed_dim=32, depth=1, num_heads=2, embed_dims=64)",
    "VisionTransformer(img_size=32, patch_size=8, embed_dim=32, depth=1, num_heads=2, weight_init='xavier')",
    "VisionTransformer(img_size=32, patch_size=8, embed_dim=32, depth=1, num_heads=2, reg_tokens=-1)",
    "PoolingVisionTransformer(img_size=64, base_dims=(8, 8), depth=(1, 1), heads=(1, 2), global_pool='avg')",
    "ResNet(block=Bottleneck, layers=[1, 1, 1, 1], output_stride=7)",
    "SwinTransformer(img_size=64, embed_dim=24, depths=(2, 2), num_heads=(2, 4), window_size=(4, 4, 4))",
    "SwinTransformer(img_size=64, embed_dim=24, depths=(2, 2), num_heads=2, window_size=4)",
    "ResNet(block=Bottleneck, layers=[2, 2], channels=(32, 64), num_classes=0)",
]

# Registered names whose classes and arguments --timm models.
NAMES = [
    "vit_tiny_patch16_224", "vit_small_patch16_224", "vit_small_patch32_224", "deit_tiny_patch16_224",
    "deit_tiny_distilled_patch16_224", "pit_ti_224", "pit_xs_distilled_224", "swin_tiny_patch4_window7_224",
    "resnet50", "resnet26", "vit_medium_patch16_reg4_gap_256", "vit_base_patch16_clip_224",
    "vit_small_patch16_18x2_224", "vit_betwixt_patch16_reg4_gap_256",
]


def py(value):
    """A Python literal of value."""
    if isinstance(value, tuple):
        return "(" + ", ".join(py(v) for v in value) + ("," if len(value) == 1 else "") + ")"
    return repr(value)


def random_vit(rng):
    """A VisionTransformer call over every structural argument; some are invalid."""
    patch = rng.choice([8, 16])
    img = rng.choice([patch * 2, patch * 3, patch * 4, (patch * 2, patch * 3)])
    heads = rng.choice([1, 2, 4])
    dim = heads * rng.choice([8, 12, 16])
    args = {"img_size": img, "patch_size": patch, "embed_dim": dim, "depth": rng.choice([1, 2, 3]), "num_heads": heads}
    options = {
        "in_chans": [1, 3], "num_classes": [0, 10, 1000], "global_pool": ["token", "avg", "", "max", "avgmax"],
        "mlp_ratio": [2, 2.5, 4.0], "qkv_bias": [True, False], "qk_norm": [True, False], "init_values": [None, 1e-5, 0.0],
        "class_token": [True, False], "reg_tokens": [0, 1, 4], "no_embed_class": [True, False], "pre_norm": [True, False],
        "final_norm": [True, False], "fc_norm": [None, True, False], "pool_include_prefix": [True, False],
        "pos_embed": ["learn", "none"], "proj_bias": [True, False], "scale_attn_norm": [True, False],
        "scale_mlp_norm": [True, False], "dynamic_img_size": [True, False], "drop_rate": [0.0, 0.1],
        "attn_drop_rate": [0.0, 0.2], "proj_drop_rate": [0.1], "pos_drop_rate": [0.1], "drop_path_rate": [0.0, 0.3],
        "patch_drop_rate": [0.0, 0.25], "weight_init": ["", "jax", "moco"], "fix_init": [True, False],
    }
    for key in rng.sample(sorted(options), rng.randint(3, 9)):
        args[key] = rng.choice(options[key])
    return "VisionTransformer(" + ", ".join(f"{k}={py(v)}" for k, v in args.items()) + ")"


def random_create_model(rng):
    """A create_model call over the registered names, with some of their arguments."""
    name = rng.choice(NAMES)
    args = {}
    if name.startswith(("vit", "deit")) and "distilled" not in name:
        options = {
            "global_pool": ["avg", "token", "max"], "class_token": [True, False], "reg_tokens": [0, 2],
            "init_values": [1e-6, None], "qk_norm": [True], "num_classes": [0, 100], "img_size": [192, 256],
            "drop_rate": [0.1], "no_embed_class": [True, False], "fc_norm": [False, True], "depth": [2, 4],
        }
    elif name.startswith("swin"):
        options = {"num_classes": [10], "img_size": [192, 256], "window_size": [8, 6], "drop_path_rate": [0.2]}
    elif name.startswith("pit"):
        options = {"num_classes": [10], "img_size": [160, 256], "in_chans": [1]}
    elif name.startswith("resnet"):
        options = {"num_classes": [10, 0], "in_chans": [1, 4], "drop_rate": [0.5]}
    else:
        options = {"num_classes": [10], "img_size": [160, 288]}
    for key in rng.sample(sorted(options), rng.randint(1, min(3, len(options)))):
        args[key] = rng.choice(options[key])
    if name.startswith("swin") and "img_size" in args and "window_size" in args:
        # Keep the grid divisible by the window at every stage.
        args["window_size"] = 8 if args["img_size"] == 256 else 6
    return f"create_model({name!r}" + "".join(f", {k}={py(v)}" for k, v in args.items()) + ")"


def image_size(model):
    for owner in (getattr(model, "patch_embed", None), model):
        size = getattr(owner, "img_size", None)
        if size is not None:
            return tuple(size) if isinstance(size, (tuple, list)) else (size, size)
    return (224, 224)


def run(call):
    try:
        model = eval(call, dict(SCOPE))
        height, width = image_size(model)
        # The first convolution is the stem or patch embedding of every class here.
        channels = next(m for m in model.modules() if isinstance(m, nn.Conv2d)).in_channels
        record = measure(model, torch.zeros(1, channels, height, width))
        return {
            "call": call, "input_shape": record["input_shape"], "params": record["params"],
            "trainable_params": record["trainable_params"], "macs": record["macs"], "fvcore": record["fvcore"],
            "output_shape": record["output_shape"],
        }
    except Exception as error:  # timm's own rejection of the call, recorded as the expected outcome
        return {"call": call, "error": f"{type(error).__name__}: {error}"}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", required=True)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--vit", type=int, default=24, help="random VisionTransformer calls")
    parser.add_argument("--create", type=int, default=16, help="random create_model calls")
    args = parser.parse_args()
    rng = random.Random(args.seed)
    calls = FIXED + [random_vit(rng) for _ in range(args.vit)] + [random_create_model(rng) for _ in range(args.create)]
    records = []
    for call in dict.fromkeys(calls):
        log(call)
        records.append(run(call))
    out = {
        "timm": importlib.metadata.version("timm"), "torch": torch.__version__, "fvcore": importlib.metadata.version("fvcore"),
        "TIMM_FUSED_ATTN": os.environ["TIMM_FUSED_ATTN"], "seed": args.seed, "calls": records,
    }
    with open(args.out, "w") as f:
        json.dump(out, f, indent=1)
        f.write("\n")
    errors = sum("error" in r for r in records)
    log(f"{len(records)} calls, {errors} rejected by timm")


if __name__ == "__main__":
    main()
