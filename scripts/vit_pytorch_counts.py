#!/usr/bin/env python3
"""Reference counts for vit-pytorch constructor calls, from PyTorch.

Builds each constructor call listed in CASES with the installed ``vit-pytorch``
package, feeds it an all-zero input of the listed shape and records the same
numbers as ``reference_counts.py`` (params, trainable params, FlopCounterMode
MACs, fvcore totals, by op and by module), plus the call and the input shape.

The result is the ``vit_pytorch`` section of ``Tests/Fixtures/reference-counts.json``:
``{"version": ..., "models": {KEY: record}}`` where KEY is the call itself when
the input is the call's own size at batch 1 with 3 channels (CvT: 224x224), and
``CALL on BxCxHxW`` otherwise.  Each record has ``call`` and ``input_shape``.

``reference_counts.py`` writes this section as part of a full run; this script
measures only vit-pytorch and replaces the section in an existing fixture::

    python scripts/vit_pytorch_counts.py --fixture Tests/Fixtures/reference-counts.json

It needs torch, fvcore, einops and vit-pytorch (the fixture records the version).
The Swift build and tests never run it.
"""

import argparse
import importlib
import importlib.metadata
import json
import sys
from pathlib import Path

# (call, input shape (batch, channels, height, width)).  The call is evaluated with
# the four classes in scope, so the fixture key is literally the code that built it.
CASES = [
    # The README examples of vit-pytorch, at their own size.
    ("ViT(image_size=256, patch_size=32, num_classes=1000, dim=1024, depth=6, "
     "heads=16, mlp_dim=2048, dropout=0.1, emb_dropout=0.1)", (1, 3, 256, 256)),
    ("PiT(image_size=224, patch_size=14, dim=256, num_classes=1000, "
     "depth=(3, 3, 3), heads=16, mlp_dim=2048)", (1, 3, 224, 224)),
    ("T2TViT(dim=512, image_size=224, depth=5, heads=8, mlp_dim=512, "
     "num_classes=1000, t2t_layers=((7, 4), (3, 2), (3, 2)))", (1, 3, 224, 224)),
    ("CvT(num_classes=1000)", (1, 3, 224, 224)),
    # Other input sizes and batches.
    ("CvT(num_classes=1000)", (1, 3, 160, 160)),
    ("CvT(num_classes=1000)", (2, 3, 192, 256)),
    ("ViT(image_size=256, patch_size=32, num_classes=1000, dim=1024, depth=6, "
     "heads=16, mlp_dim=2048, dropout=0.1, emb_dropout=0.1)", (2, 3, 256, 256)),
    # ViT: mean pooling (no class token), dim_head != dim / heads, one channel.
    ("ViT(image_size=224, patch_size=16, num_classes=10, dim=192, depth=2, heads=3, "
     "mlp_dim=768, pool='mean', dim_head=48, channels=1)", (1, 1, 224, 224)),
    # ViT: rectangular image and patches; one head with dim_head == dim (no to_out).
    ("ViT(image_size=(192, 256), patch_size=(16, 32), num_classes=100, dim=128, "
     "depth=2, heads=1, dim_head=128, mlp_dim=256)", (1, 3, 192, 256)),
    # ViT without a head: the output is the token sequence.
    ("ViT(image_size=64, patch_size=8, num_classes=0, dim=64, depth=1, heads=2, "
     "mlp_dim=128)", (1, 3, 64, 64)),
    # PiT: per-stage heads, small dim_head, an odd 27x27 grid pooled to 14 and 7.
    ("PiT(image_size=224, patch_size=16, dim=128, num_classes=1000, depth=(1, 2, 1), "
     "heads=(2, 4, 8), mlp_dim=512, dim_head=32)", (1, 3, 224, 224)),
    # PiT: odd patch (stride 3), grid 26 -> 13 -> 7, one channel.
    ("PiT(image_size=84, patch_size=7, dim=64, num_classes=10, depth=(2, 1, 1), "
     "heads=2, mlp_dim=128, channels=1)", (1, 1, 84, 84)),
    # T2T: two soft splits, mean pooling, other dim_head.
    ("T2TViT(dim=64, image_size=64, depth=2, heads=2, mlp_dim=128, num_classes=10, "
     "pool='mean', dim_head=16, t2t_layers=((3, 2), (3, 2)))", (1, 3, 64, 64)),
    # T2T: a single soft split (no T2T transformer), one channel, odd grid.
    ("T2TViT(dim=96, image_size=100, depth=1, heads=4, mlp_dim=192, num_classes=5, "
     "channels=1, t2t_layers=((7, 4),))", (1, 1, 100, 100)),
    # CvT: heads * 64 != emb_dim, other kernels and strides, one channel, odd sizes.
    ("CvT(num_classes=10, s1_emb_dim=32, s1_heads=2, s2_emb_dim=64, s2_heads=2, "
     "s2_depth=1, s2_kv_proj_stride=1, s3_emb_dim=128, s3_emb_kernel=5, s3_heads=4, "
     "s3_depth=2, s3_mlp_mult=2, channels=1)", (1, 1, 97, 131)),
]

# Calls measured at their own input keep the bare call as their fixture key.
OWN_INPUT = {CASES[i][0]: (CASES[i][1],) for i in range(4)}

CLASSES = [("vit_pytorch", "ViT"), ("vit_pytorch.pit", "PiT"), ("vit_pytorch.t2t", "T2TViT"),
           ("vit_pytorch.cvt", "CvT")]


def case_key(call, shape):
    """The call itself for its own input (image_size, CvT 224x224) at batch 1 with 3
    channels, else 'CALL on BxCxHxW'."""
    return call if shape in OWN_INPUT.get(call, ()) else f"{call} on {'x'.join(map(str, shape))}"


def run():
    """The ``vit_pytorch`` fixture section: version and one record per case."""
    import torch
    from counting import log, measure

    scope = {name: getattr(importlib.import_module(module), name) for module, name in CLASSES}
    section = {"version": importlib.metadata.version("vit-pytorch"), "models": {}}
    for call, shape in CASES:
        log(f"vit_pytorch {call} on {shape}")
        torch.manual_seed(0)
        model = eval(call, dict(scope))
        record = measure(model, torch.zeros(*shape))
        module = next(m for m, name in CLASSES if call.startswith(name + "("))
        record["import"] = f"from {module} import {call.split('(', 1)[0]}"
        record["call"] = call
        section["models"][case_key(call, shape)] = record
    return section


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--fixture", required=True, help="reference-counts.json whose vit_pytorch section to replace")
    args = parser.parse_args()
    path = Path(args.fixture)
    with open(path) as f:
        fixture = json.load(f)
    fixture["vit_pytorch"] = run()
    tmp = path.with_suffix(".json.tmp")
    with open(tmp, "w") as f:
        json.dump(fixture, f, indent=1, sort_keys=True)
        f.write("\n")
    tmp.replace(path)


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    main()
