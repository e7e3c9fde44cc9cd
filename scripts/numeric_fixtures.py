#!/usr/bin/env python3
"""Numerical-truth fixtures: tiny reference models with their weights, an input and its logits.

Each fixture is one small ``.safetensors`` file holding

* every entry of the reference model's ``state_dict()`` under its original
  name and dtype (float32 tensors as F32, BatchNorm's ``num_batches_tracked``
  as I64, as in real checkpoints);
* ``vitscope.input``  - the input batch, F32, shape (B, C, H, W), seeded N(0, 1);
* ``vitscope.logits`` - the model's output in eval mode, F32, (B, num_classes),
  computed in float64 and rounded to float32;
* ``vitscope.train_logits`` - the output in training mode (``model.train()``),
  F32, (B, num_classes), float64 rounded to float32.  Every dropout and drop
  path rate is 0 (checked), so it differs from ``vitscope.logits`` only where
  BatchNorm normalises with the batch's statistics;
* ``vitscope.loss_weights`` - R, F32, the logits' shape, seeded N(0, 1) from a
  generator of its own (so the draws above are unchanged);
* ``vitscope.grad.<name>`` - for every parameter with ``requires_grad`` (its
  state_dict name), dL/dparam of L = sum(train_logits * R) in training mode,
  F32, the parameter's shape: a float64 backward pass (R promoted exactly)
  rounded to float32.  Frozen parameters (T2T-ViT's sinusoid table and the
  Performer's projection) have none;
* ``__metadata__`` - ``format`` ("vitscope-fixture-1"), ``name``,
  ``reference`` (implementation and version), ``constructor`` (the Python call
  that built the model), ``spec`` (the vitscope spec JSON, official families)
  or ``vit_pytorch_call`` (vit-pytorch models), ``torch``, ``seed`` and
  ``tolerance``; for the training pass ``loss``, ``loss_weights_seed`` (R's
  seed, CRC-32 of "<name>/loss_weights"), ``frozen`` (a JSON array of the
  parameters without a gradient), ``dropout_off`` (a JSON array of the dropout
  modules whose rate the reference hard-codes, set to 0: the T2T Performer's)
  and ``gradient_tolerance``.

The weights are not the implementations' initialisations (many of those are
zeros and ones, which would hide a missing bias or a swapped LayerNorm).  After
construction every float parameter and buffer is redrawn from a generator
seeded per fixture:

* conv / linear weights ~ N(0, 1/fan_in), fan_in = in_channels/groups * kh * kw
  (the T2T Performer's kqv at half that standard deviation, so that its random
  features exp(w·x - |x|²/2) stay far above the reference's 1e-8 stabiliser);
* their biases ~ 0.1 * N(0, 1);
* LayerNorm / BatchNorm weights ~ 1 + 0.1 * N(0, 1), biases ~ 0.1 * N(0, 1);
* BatchNorm running_mean ~ 0.1 * N(0, 1), running_var ~ U(0.5, 1.5);
* class / distillation tokens and learned position embeddings ~ 0.5 * N(0, 1);
* Swin's relative position bias tables ~ 0.5 * N(0, 1);
* kept as constructed: T2T-ViT's fixed sinusoid position table and the
  Performer's fixed random projection ``w`` (built under ``torch.manual_seed``),
  and the buffers that are not in the state_dict (Swin's relative position
  index and shifted-window mask, which the constructor computes from the sizes).

A fixture fails unless nudging each float tensor of its state_dict (randomly,
by 1e-3) changes the float64 logits, so a loader that skips or misplaces a
tensor cannot pass; the few tensors that provably cannot matter are declared
per fixture (in CvT: proj_k's bias, the k projection's BatchNorm shift in
stages without a class token, and the last block's q projection, whose grid
queries the class-token head never reads).

The logits are computed twice: in float32 (as stored) and in float64 after
``model.double()`` (exact, every float32 value is a float64 value).  The
float64 result, rounded to float32, is the stored truth; the difference between
the two passes is printed, to show the float32 noise of the reference itself.
The training pass and its backward pass run the same way, each on a copy of the
model (BatchNorm's running statistics move in training mode; the stored buffers
are those of the eval model), and the float32-vs-float64 difference of the
gradients is printed too.  The training pass must be deterministic: the script
stops on a dropout or drop-path module with a nonzero rate (Swin's constructor
passes ``drop_path_rate=0.0`` for that, timm's default being 0.1; the T2T
Performer's hard-coded rates are declared and set to 0), or if the pass draws
random numbers; without BatchNorm the training logits must equal the eval
logits exactly.  A parameter whose float64 gradient vanishes (at most 1e-12 of
the largest) must be one of the fixture's declared invisible tensors, and every
declared invisible parameter must have a vanishing gradient.  During the float64 passes, backward included, a
dispatch guard fails the run if any operation yields a floating tensor that is
not float64.  Two reference modules cast to float32
on purpose (mixed-precision helpers); for the float64 pass only, and only
there, those casts are made to keep float64:

* the T2T Performer's ``x.float()`` / ``v.float()`` (``torch.Tensor.float``
  returns a float64 tensor unchanged);
* CvT's ``LayerNorm`` subclass, which runs ``nn.LayerNorm.forward`` on a
  float32 copy (it runs ``nn.LayerNorm.forward`` directly).

Both are identities on float32 inputs, so the float32 pass is untouched.

For the official families the spec is checked with the vitscope CLI (built
first with ``swift build``): ``vitscope validate`` must accept it and
``vitscope analyze --format json`` must report exactly the reference model's
parameter and trainable-parameter counts and a final output of shape
(B, num_classes); otherwise the script stops.

The files are written with ``safetensors.torch.save``.  It lists tensors in a
fixed order (by dtype, then name) but writes the ``__metadata__`` map in hash
order, which changes from run to run; the script rewrites that one JSON object
with its keys sorted (same entries, same length, checked by re-parsing) so that a
re-run reproduces every file byte for byte.  ``--check`` regenerates in memory
and compares with the files on disk instead of writing.

Usage::

    swift build
    python scripts/numeric_fixtures.py \\
        --t2t-repo /path/to/T2T-ViT --cvt-repo /path/to/CvT \\
        --vitscope .build/debug/vitscope --out Tests/Fixtures/numeric \\
        --kept-from Tests/Fixtures/numeric

``--t2t-repo`` and ``--cvt-repo`` are plain checkouts (for example from
``git archive HEAD | tar -x``), imported read-only by the same functions as in
``scripts/reference_counts.py`` (so that script's packages are needed too:
torch, timm, fvcore, pyyaml, einops, scipy, plus vit-pytorch and safetensors).
``--only NAME`` (repeatable) restricts the run; a checkout is imported only when
a fixture built from it is generated.  ``--kept-from DIR`` takes the tensors
kept as constructed from the files in DIR (where they exist) instead of the
constructor, after checking that the two agree within 1e-6 of the tensor's
largest magnitude: the Performer's ``w`` comes from LAPACK's QR, whose last bits
vary between machines, and this keeps the committed ``w`` (and everything
computed from it) as it is.
"""

import os

# Set before timm is imported (directly or by the author repositories): timm's
# attention then uses explicit q @ k^T and attn @ v instead of
# F.scaled_dot_product_attention, the same math vitscope's graph spells out.
os.environ["TIMM_FUSED_ATTN"] = "0"

import argparse
import contextlib
import copy
import importlib
import importlib.metadata
import json
import platform
import re
import subprocess
import sys
import tempfile
import zlib
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Callable, Optional

import torch
import torch.nn as nn
from torch.utils._python_dispatch import TorchDispatchMode
from torch.utils._pytree import tree_flatten

import safetensors
from safetensors.torch import load as load_safetensors
from safetensors.torch import save as save_safetensors

import timm
from timm.models.deit import VisionTransformerDistilled
from timm.models.pit import PoolingVisionTransformer
from timm.models.resnet import Bottleneck, ResNet
from timm.models.swin_transformer import SwinTransformer
from timm.models.vision_transformer import VisionTransformer

sys.path.insert(0, str(Path(__file__).resolve().parent))
from reference_counts import load_cvt, load_t2t, quiet  # noqa: E402  (same folder)


FORMAT = "vitscope-fixture-1"
INPUT_KEY = "vitscope.input"
LOGITS_KEY = "vitscope.logits"
TRAIN_LOGITS_KEY = "vitscope.train_logits"
LOSS_WEIGHTS_KEY = "vitscope.loss_weights"
GRAD_PREFIX = "vitscope.grad."
LOSS = "sum(train_logits * loss_weights), training mode, float64"
TOLERANCE = (
    "vitscope.logits is a float64 forward pass rounded to float32. Compare a float32 forward "
    "pass with max|logits - vitscope.logits| <= 1e-4 * max|vitscope.logits|; PyTorch's own float32 "
    "pass stays within about 1e-6 of that scale (per-fixture figures in the README)."
)

# The gradient bound, per tensor: max|Δ| <= GRADIENT_RELATIVE * max|that tensor| + GRADIENT_FLOOR * G.
GRADIENT_RELATIVE, GRADIENT_FLOOR = 1e-4, 1e-5
GRADIENT_TOLERANCE = (
    "vitscope.grad.<name> is dL/d<name> of L = sum(vitscope.train_logits * vitscope.loss_weights) in training "
    "mode, from a float64 backward pass rounded to float32. Compare a float32 backward pass tensor by tensor with "
    "max|grad - vitscope.grad.<name>| <= 1e-4 * max|vitscope.grad.<name>| + 1e-5 * G, G the largest "
    "|vitscope.grad.*| of the file (the second term covers gradients that are exactly zero, such as those of "
    "parameters the loss cannot see); compare vitscope.train_logits as vitscope.logits. PyTorch's own float32 "
    "backward passes use at most a tenth of that bound (per-fixture figures in the README)."
)

# Parameters drawn as tokens / embeddings (0.5 * N(0, 1)) wherever they appear.
TOKEN_PARAMETERS = {"cls_token", "dist_token", "reg_token", "pos_embed", "pos_embedding"}


def log(msg):
    print(msg, file=sys.stderr, flush=True)


# --------------------------------------------------------------------------
# Fixture definitions
# --------------------------------------------------------------------------

@dataclass
class Fixture:
    """One tiny model: how to build it, its input, and how to describe it."""
    name: str
    build: Callable[[], nn.Module]
    constructor: str              # the call that `build` makes, for the metadata
    reference: str                # implementation and version
    batch: int
    height: int
    width: int
    num_classes: int
    spec: Optional[dict] = None   # vitscope spec (official families)
    vit_pytorch_call: Optional[str] = None
    keep: tuple = ()              # state_dict names kept as constructed
    float64_adapter: Callable = contextlib.nullcontext
    in_channels: int = 3
    invisible: tuple = ()         # state_dict names (regular expressions) that cannot change the logits
    gains: dict = field(default_factory=dict)  # regular expression -> factor on a weight's σ
    # Dropout modules (regular expressions on module names) whose rate the reference hard-codes
    # above 0 and no constructor argument reaches: set to 0 after construction (eval mode never
    # drops, so only the training pass sees it).
    dropout_off: tuple = ()


def vit_spec(name, reference, image, patch, dim, depth, heads, mlp_ratio, qkv_bias, distilled, options=None):
    return spec_object(name, "vit", reference, image, {
        "patch_size": patch, "embed_dim": dim, "depth": depth, "num_heads": heads,
        "mlp_ratio": float(mlp_ratio), "qkv_bias": qkv_bias, "distilled": distilled, "norm_eps": 1e-6,
        **(options or {}),
    })


def spec_object(name, family, reference, image, config, num_classes=10):
    return {
        "name": name,
        "family": family,
        "reference": reference,
        "image_size": list(image),
        "in_channels": 3,
        "num_classes": num_classes,
        "config": config,
    }


def timm_fixtures():
    version = timm.__version__
    fixtures = []

    def vit(name, cls, label, image, batch, dim, depth, heads, mlp_ratio, qkv_bias, distilled, options=None,
            invisible=()):
        """``options``: VisionTransformer arguments beyond the classic ones, which the spec
        takes under the same keys."""
        kwargs = dict(img_size=image if image[0] != image[1] else image[0], patch_size=8, embed_dim=dim,
                      depth=depth, num_heads=heads, mlp_ratio=mlp_ratio, qkv_bias=qkv_bias, num_classes=10,
                      **(options or {}))
        fixtures.append(Fixture(
            name=name,
            build=lambda: cls(**kwargs),
            constructor=f"timm.models.{cls.__module__.split('.')[-1]}.{cls.__name__}({call_args(kwargs)})",
            reference=f"timm {version} {cls.__name__}",
            batch=batch, height=image[0], width=image[1], num_classes=10,
            spec=vit_spec(name, f"timm {version} {label}", image, 8, dim, depth, heads, mlp_ratio, qkv_bias,
                          distilled, options),
            invisible=invisible,
        ))

    vit("vit_p8_32", VisionTransformer, "vision_transformer.py (VisionTransformer)",
        (32, 32), 1, dim=48, depth=2, heads=3, mlp_ratio=4.0, qkv_bias=True, distilled=False)
    vit("vit_p8_32x48_noqkvbias_b2", VisionTransformer, "vision_transformer.py (VisionTransformer)",
        (32, 48), 2, dim=32, depth=1, heads=2, mlp_ratio=2.0, qkv_bias=False, distilled=False)
    vit("deit_distilled_p8_32_b2", VisionTransformerDistilled, "deit.py (VisionTransformerDistilled)",
        (32, 32), 2, dim=24, depth=1, heads=2, mlp_ratio=4.0, qkv_bias=True, distilled=True)
    # timm's newer options (DeiT III, DINOv2, CLIP): register tokens, LayerScale, qk-norm, a
    # position embedding for the patches only, mean pooling with fc_norm, no projection biases.
    vit("vit_reg_ls_qknorm_avg_p8_32_b2", VisionTransformer, "vision_transformer.py (VisionTransformer)",
        (32, 32), 2, dim=24, depth=2, heads=2, mlp_ratio=2.0, qkv_bias=True, distilled=False,
        options=dict(reg_tokens=2, init_values=0.5, qk_norm=True, no_embed_class=True, global_pool="avg",
                     proj_bias=False),
        # The key norm's shift adds q·b to every score of a query: softmax cancels it.
        invisible=(r"blocks\.\d+\.attn\.k_norm\.bias",))
    # No class token, a pre-norm, norms inside attention and MLP, QuickGELU, avg+max pooling over
    # every token after the final norm; then max pooling of the patches, without position
    # embeddings or a final norm, with the tanh GELU.
    vit("vit_prenorm_avgmax_p8_32x40", VisionTransformer, "vision_transformer.py (VisionTransformer)",
        (32, 40), 1, dim=16, depth=1, heads=2, mlp_ratio=2.0, qkv_bias=True, distilled=False,
        options=dict(class_token=False, reg_tokens=1, pre_norm=True, scale_attn_norm=True, scale_mlp_norm=True,
                     global_pool="avgmax", pool_include_prefix=True, fc_norm=False, act_layer="quick_gelu"))
    vit("vit_max_nopos_p8_24", VisionTransformer, "vision_transformer.py (VisionTransformer)",
        (24, 24), 1, dim=16, depth=1, heads=1, mlp_ratio=2.0, qkv_bias=True, distilled=False,
        options=dict(global_pool="max", pos_embed="none", final_norm=False, act_layer="gelu_tanh"))

    def pit(name, size, batch, distilled):
        kwargs = dict(img_size=size, patch_size=8, stride=4, base_dims=[8, 8, 8], depth=[1, 1, 1],
                      heads=[1, 2, 4], mlp_ratio=4.0, num_classes=10, distilled=distilled)
        fixtures.append(Fixture(
            name=name,
            build=lambda: PoolingVisionTransformer(**kwargs),
            constructor=f"timm.models.pit.PoolingVisionTransformer({call_args(kwargs)})",
            reference=f"timm {version} PoolingVisionTransformer",
            batch=batch, height=size, width=size, num_classes=10,
            spec=spec_object(name, "pit", f"timm {version} pit.py (PoolingVisionTransformer)", (size, size), {
                "patch_size": 8, "stride": 4, "base_dims": [8, 8, 8], "depth": [1, 1, 1],
                "heads": [1, 2, 4], "mlp_ratio": 4.0, "distilled": distilled,
            }),
        ))

    pit("pit_p8s4_48", 48, 1, distilled=False)
    pit("pit_distilled_p8s4_40_b2", 40, 2, distilled=True)

    # timm's plain 7x7 stem always has 64 channels (its stem_width only sizes the
    # "deep" stems), which is what vitscope models; stem_width is left at its default.
    name = "resnet_bottleneck_c4_40_b2"
    kwargs = dict(block=Bottleneck, layers=[1, 1, 1, 1], channels=(4, 8, 16, 32), num_classes=10)
    shown = dict(kwargs, block="Bottleneck")
    fixtures.append(Fixture(
        name=name,
        build=lambda: ResNet(**kwargs),
        constructor=f"timm.models.resnet.ResNet({call_args(shown, raw={'block'})})",
        reference=f"timm {version} ResNet (Bottleneck)",
        batch=2, height=40, width=40, num_classes=10,
        spec=spec_object(name, "resnet", f"timm {version} resnet.py (ResNet, Bottleneck)", (40, 40),
                         {"layers": [1, 1, 1, 1], "channels": [4, 8, 16, 32]}),
    ))
    fixtures.append(swin_fixture(version))
    return fixtures


def swin_fixture(version):
    """A tiny Swin: an 8×8 patch grid and 4×4 windows.

    Stage 1 (8×8) has four windows and its second block shifts them by 2 (roll and mask);
    stage 2 (4×4) is one window, so timm drops its second block's shift; on stage 3's 2×2 grid
    timm shrinks the window to 2×2 (a 3×3 relative position table). MLP ratio 2, head widths
    6, 6 and 8.

    ``drop_path_rate=0.0``: timm's default for Swin is 0.1 (stochastic depth, which makes the
    training pass random); it does nothing in eval mode, so the weights and logits are those of
    the default.
    """
    name = "swin_p4w4_32_b2"
    kwargs = dict(img_size=32, patch_size=4, embed_dim=6, depths=(2, 2, 1), num_heads=(1, 2, 3), window_size=4,
                  mlp_ratio=2.0, num_classes=10, drop_path_rate=0.0)
    return Fixture(
        name=name,
        build=lambda: SwinTransformer(**kwargs),
        constructor=f"timm.models.swin_transformer.SwinTransformer({call_args(kwargs)})",
        reference=f"timm {version} SwinTransformer",
        batch=2, height=32, width=32, num_classes=10,
        spec=spec_object(name, "swin", f"timm {version} swin_transformer.py (SwinTransformer)", (32, 32), {
            "patch_size": 4, "embed_dim": 6, "depths": [2, 2, 1], "num_heads": [1, 2, 3], "window_size": 4,
            "mlp_ratio": 2.0, "qkv_bias": True,
        }),
    )


def t2t_fixtures(module):
    fixtures = []
    for tokens_type, size, batch, dim, heads in (("performer", 64, 1, 32, 2), ("transformer", 48, 2, 32, 2)):
        name = f"t2t_vit_{tokens_type}_{size}" + ("_b2" if batch > 1 else "")
        kwargs = dict(img_size=size, tokens_type=tokens_type, embed_dim=dim, depth=1, num_heads=heads,
                      mlp_ratio=2.0, token_dim=16, num_classes=10)
        keep = ["pos_embed"]
        if tokens_type == "performer":
            keep += ["tokens_to_token.attention1.w", "tokens_to_token.attention2.w"]
        fixtures.append(Fixture(
            name=name,
            build=lambda kwargs=kwargs: quiet(lambda: module.T2T_ViT(**kwargs)),
            constructor=f"models.t2t_vit.T2T_ViT({call_args(kwargs)})",
            reference="yitu-opensource/T2T-ViT models/t2t_vit.py T2T_ViT",
            batch=batch, height=size, width=size, num_classes=10,
            spec=spec_object(name, "t2t_vit", "yitu-opensource/T2T-ViT models/t2t_vit.py (T2T_ViT)", (size, size), {
                "tokens_type": tokens_type, "embed_dim": dim, "depth": 1, "num_heads": heads, "mlp_ratio": 2.0,
                "token_dim": 16, "kernel_ratio": 0.5,
            }),
            keep=tuple(keep),
            # Half the usual σ for the Performer's k, q, v: its random features
            # exp(w·x - |x|²/2) then stay far above the reference's 1e-8 stabiliser.
            gains={r"tokens_to_token\.attention\d\.kqv\.weight": 0.5} if tokens_type == "performer" else {},
            # Token_performer hard-codes dropout 0.1 after its attention and its MLP.
            dropout_off=(r"tokens_to_token\.attention\d\.(dp|mlp\.3)",) if tokens_type == "performer" else (),
            float64_adapter=performer_keeps_float64 if tokens_type == "performer" else contextlib.nullcontext,
        ))
    return fixtures


# A tiny CvT: three stages, the last with the class token; the first stage
# keeps full-resolution keys and values (stride_kv 1), the second has no qkv
# bias, the third two blocks with an MLP ratio of 2.
CVT_STAGES = [
    dict(patch_size=7, patch_stride=4, patch_padding=2, dim_embed=8, num_heads=1, depth=1, mlp_ratio=4.0,
         qkv_bias=True, cls_token=False, kernel_qkv=3, padding_q=1, padding_kv=1, stride_q=1, stride_kv=1),
    dict(patch_size=3, patch_stride=2, patch_padding=1, dim_embed=16, num_heads=2, depth=1, mlp_ratio=4.0,
         qkv_bias=False, cls_token=False, kernel_qkv=3, padding_q=1, padding_kv=1, stride_q=1, stride_kv=2),
    dict(patch_size=3, patch_stride=2, patch_padding=1, dim_embed=24, num_heads=3, depth=2, mlp_ratio=2.0,
         qkv_bias=True, cls_token=True, kernel_qkv=3, padding_q=1, padding_kv=1, stride_q=1, stride_kv=2),
]


def cvt_model_spec(stages):
    """MODEL.SPEC of the authors' yaml files for these stages (upper-case keys, one list per key)."""
    spec = {"NUM_STAGES": len(stages), "QKV_PROJ_METHOD": ["dw_bn"] * len(stages),
            "DROP_RATE": [0.0] * len(stages), "ATTN_DROP_RATE": [0.0] * len(stages),
            "DROP_PATH_RATE": [0.0] * len(stages)}
    for key in stages[0]:
        spec[key.upper()] = [s[key] for s in stages]
    return spec


def cvt_invisible(stages):
    """The CvT state_dict entries that cannot change the logits (regular expressions)."""
    # proj_k's bias shifts every key of a query by the same vector, which the
    # softmax over keys cancels exactly; so does the k projection's BatchNorm
    # shift where no class token (which bypasses it) is among the keys.
    patterns = [r"stage\d+\.blocks\.\d+\.attn\.proj_k\.bias"]
    patterns += [rf"stage{i}\.blocks\.\d+\.attn\.conv_proj_k\.bn\.(bias|running_mean)"
                 for i, stage in enumerate(stages) if not stage["cls_token"]]
    # With a class token, the head reads only that token, whose query bypasses
    # the q projection: the grid queries of the last block are never used.
    last = len(stages) - 1
    if stages[last]["cls_token"]:
        patterns.append(rf"stage{last}\.blocks\.{stages[last]['depth'] - 1}\.attn\.conv_proj_q\..*")
    return tuple(patterns)


def cvt_fixtures(module):
    name = "cvt_3stage_48x40_b2"
    model_spec = cvt_model_spec(CVT_STAGES)

    def build():
        # The same arguments as get_cls_model() in lib/models/cls_cvt.py.
        return module.ConvolutionalVisionTransformer(
            in_chans=3, num_classes=10, act_layer=module.QuickGELU,
            norm_layer=partial(module.LayerNorm, eps=1e-5), init="trunc_norm", spec=model_spec)

    @contextlib.contextmanager
    def layer_norm_keeps_float64():
        original = module.LayerNorm.forward
        module.LayerNorm.forward = nn.LayerNorm.forward
        try:
            yield
        finally:
            module.LayerNorm.forward = original

    return [Fixture(
        name=name,
        build=build,
        constructor=("lib.models.cls_cvt.ConvolutionalVisionTransformer(in_chans=3, num_classes=10, "
                     "act_layer=QuickGELU, norm_layer=partial(LayerNorm, eps=1e-5), init='trunc_norm', "
                     f"spec={model_spec!r})"),
        reference="microsoft/CvT lib/models/cls_cvt.py ConvolutionalVisionTransformer",
        batch=2, height=48, width=40, num_classes=10,
        spec=spec_object(name, "cvt", "microsoft/CvT lib/models/cls_cvt.py (ConvolutionalVisionTransformer)",
                         (48, 40), {"stages": CVT_STAGES}),
        float64_adapter=layer_norm_keeps_float64,
        invisible=cvt_invisible(CVT_STAGES),
    )]


# vit-pytorch: (fixture name, import, call, batch, height, width).  The call
# strings are evaluated with the class in scope, so the metadata holds exactly
# the code that built the model.
VIT_PYTORCH = [
    ("vit_pytorch_vit_32", "vit_pytorch", "ViT",
     "ViT(image_size=32, patch_size=8, num_classes=10, dim=32, depth=2, heads=2, mlp_dim=64, dim_head=16)",
     1, 32, 32),
    ("vit_pytorch_vit_mean_32x48", "vit_pytorch", "ViT",
     "ViT(image_size=(32, 48), patch_size=8, num_classes=10, dim=32, depth=1, heads=4, mlp_dim=64, "
     "dim_head=8, pool='mean')",
     1, 32, 48),
    ("vit_pytorch_pit_32_b2", "vit_pytorch.pit", "PiT",
     "PiT(image_size=32, patch_size=8, dim=8, num_classes=10, depth=(1, 1, 1), heads=2, mlp_dim=32, "
     "dim_head=8)",
     2, 32, 32),
    ("vit_pytorch_t2t_32", "vit_pytorch.t2t", "T2TViT",
     "T2TViT(dim=32, image_size=32, depth=1, heads=2, mlp_dim=64, dim_head=16, num_classes=10, "
     "t2t_layers=((3, 2), (3, 2)))",
     1, 32, 32),
    ("vit_pytorch_cvt_40_b2", "vit_pytorch.cvt", "CvT",
     "CvT(num_classes=10, s1_emb_dim=8, s1_heads=1, s1_depth=1, s2_emb_dim=16, s2_heads=1, s2_depth=1, "
     "s2_mlp_mult=2, s3_emb_dim=24, s3_heads=2, s3_depth=1, s3_mlp_mult=2)",
     2, 40, 40),
]


def vit_pytorch_fixtures():
    version = importlib.metadata.version("vit-pytorch")
    fixtures = []
    for name, module_name, class_name, call, batch, height, width in VIT_PYTORCH:
        cls = getattr(importlib.import_module(module_name), class_name)
        fixtures.append(Fixture(
            name=name,
            build=lambda call=call, cls=cls, class_name=class_name: eval(call, {class_name: cls}),
            constructor=f"from {module_name} import {class_name}; {call}",
            reference=f"vit-pytorch {version} {module_name}.{class_name}",
            batch=batch, height=height, width=width, num_classes=10,
            vit_pytorch_call=call,
        ))
    return fixtures


class ReferenceModule:
    """An author repository's module, imported from its checkout when a fixture first builds with it,
    so that a run of other fixtures (``--only``) needs no checkout."""

    def __init__(self, option, repo, load):
        self._option, self._repo, self._load, self._module = option, repo, load, None

    def __getattr__(self, name):
        if self._module is None:
            if self._repo is None:
                sys.exit(f"{self._option} is needed for the fixtures built with it (or leave them out with --only)")
            self._module = self._load(self._repo)
        return getattr(self._module, name)


def call_args(kwargs, raw=()):
    """`a=1, b=(2, 3)` from a dict, values as Python literals (names listed in raw as-is)."""
    return ", ".join(f"{k}={v if k in raw else repr(v)}" for k, v in kwargs.items())


@contextlib.contextmanager
def performer_keeps_float64():
    """Make `Tensor.float()` return float64 tensors unchanged (T2T's Performer casts with it)."""
    original = torch.Tensor.float

    def keep_float64(self, *args, **kwargs):
        if self.dtype == torch.float64 and not args and not kwargs:
            return self
        return original(self, *args, **kwargs)

    torch.Tensor.float = keep_float64
    try:
        yield
    finally:
        torch.Tensor.float = original


# --------------------------------------------------------------------------
# Weights, forward passes, checks
# --------------------------------------------------------------------------

def fixture_seed(name):
    return zlib.crc32(name.encode()) & 0x7FFFFFFF


def is_norm(module):
    """LayerNorm, BatchNorm, or vit-pytorch CvT's channel LayerNorm (parameters g and b)."""
    if isinstance(module, (nn.LayerNorm, nn.BatchNorm2d)):
        return True
    own = {name for name, _ in module.named_parameters(recurse=False)}
    return type(module).__name__ == "LayerNorm" and own == {"g", "b"}


@torch.no_grad()
def reinitialise(model, generator, keep, gains):
    """Redraw every float parameter and buffer (see the module docstring); return what was kept."""
    def normal(t, std, mean=0.0):
        t.copy_(torch.randn(t.shape, generator=generator, dtype=torch.float64).mul_(std).add_(mean))

    seen = set()
    for module_name, module in model.named_modules():
        prefix = f"{module_name}." if module_name else ""
        for name, p in module.named_parameters(recurse=False):
            full = prefix + name
            seen.add(full)
            if full in keep:
                continue
            if p.numel() == 0:
                continue
            if isinstance(module, (nn.Linear, nn.Conv2d)) and name == "weight":
                fan_in = p[0].numel()  # in_features, or in_channels/groups * kh * kw
                gain = [g for pattern, g in gains.items() if re.fullmatch(pattern, full)]
                normal(p, (gain[0] if gain else 1.0) * fan_in ** -0.5)
            elif isinstance(module, (nn.Linear, nn.Conv2d)) and name == "bias":
                normal(p, 0.1)
            elif is_norm(module) and name in ("weight", "g"):
                normal(p, 0.1, mean=1.0)
            elif is_norm(module) and name in ("bias", "b"):
                normal(p, 0.1)
            elif name in TOKEN_PARAMETERS:
                normal(p, 0.5)
            elif name == "relative_position_bias_table":
                normal(p, 0.5)
            elif type(module).__name__ == "LayerScale" and name == "gamma":
                normal(p, 0.25, mean=0.5)
            else:
                raise RuntimeError(f"no initialisation rule for parameter {full} of {type(module).__name__}")
        for name, b in module.named_buffers(recurse=False):
            full = prefix + name
            seen.add(full)
            if full in keep or name == "num_batches_tracked":
                continue
            if name in module._non_persistent_buffers_set:
                continue  # not in the state_dict: structure the constructor computes (Swin's index and mask)
            if isinstance(module, nn.BatchNorm2d) and name == "running_mean":
                normal(b, 0.1)
            elif isinstance(module, nn.BatchNorm2d) and name == "running_var":
                b.copy_(torch.rand(b.shape, generator=generator, dtype=torch.float64).add_(0.5))
            else:
                raise RuntimeError(f"no initialisation rule for buffer {full} of {type(module).__name__}")
    missing = set(keep) - seen
    if missing:
        raise RuntimeError(f"tensors to keep not found: {sorted(missing)}")
    unmatched = [pattern for pattern in gains if not any(re.fullmatch(pattern, name) for name in seen)]
    if unmatched:
        raise RuntimeError(f"gain patterns that match nothing: {unmatched}")


class Float64Guard(TorchDispatchMode):
    """Fails on any operation that yields a floating tensor other than float64; counts the operations."""

    def __init__(self):
        super().__init__()
        self.operations = 0

    def __torch_dispatch__(self, func, types, args=(), kwargs=None):
        self.operations += 1
        out = func(*args, **(kwargs or {}))
        for t in tree_flatten(out)[0]:
            if isinstance(t, torch.Tensor) and t.is_floating_point() and t.dtype != torch.float64:
                raise RuntimeError(f"{func} produced {t.dtype} during the float64 pass")
        return out


@torch.no_grad()
def check_every_tensor_matters(fixture, model, x, logits):
    """Stop unless nudging any float tensor of the state_dict changes the float64 logits.

    A loader that skipped or misplaced a tensor could otherwise still match.  The
    fixture declares the tensors that cannot matter (and they must not).
    """
    generator = torch.Generator().manual_seed(0)
    for key, tensor in model.state_dict().items():
        if not tensor.is_floating_point() or tensor.numel() == 0:
            continue
        saved = tensor.clone()
        # Random, not constant: LayerNorm cancels a constant shift of a token exactly.
        tensor.add_(torch.randn(tensor.shape, generator=generator, dtype=tensor.dtype), alpha=1e-3)
        changed = (forward(model, x) - logits).abs().max().item()
        tensor.copy_(saved)
        declared = any(re.fullmatch(pattern, key) for pattern in fixture.invisible)
        if declared and changed > 1e-9:
            raise RuntimeError(f"{fixture.name}: {key} is declared invisible but changes the logits by {changed:.1e}")
        if not declared and not changed > 1e-9:
            raise RuntimeError(f"{fixture.name}: changing {key} does not change the logits ({changed:.1e})")


# Module attributes that hold a drop probability (torch's Dropout: p; timm's, T2T-ViT's and
# CvT's DropPath: drop_prob; timm's PatchDropout: prob).
DROP_ATTRIBUTES = ("p", "drop_prob", "prob")


def turn_off_dropout(fixture, model):
    """Set the fixture's declared hard-coded dropout rates to 0; stop unless every other
    dropout-like module already has probability 0, and every declared one had a nonzero one.

    The training pass must be deterministic: its logits and gradients are fixture truth.
    Returns the names of the modules turned off.
    """
    turned_off = []
    for name, module in model.named_modules():
        kind = type(module).__name__
        if "drop" not in kind.lower():
            continue
        rates = {a: getattr(module, a) for a in DROP_ATTRIBUTES if isinstance(getattr(module, a, None), (int, float))}
        if not rates:
            raise RuntimeError(f"{fixture.name}: {name} ({kind}) has no drop probability the script knows")
        declared = any(re.fullmatch(pattern, name) for pattern in fixture.dropout_off)
        if declared:
            if not (isinstance(module, nn.Dropout) and module.p > 0):
                raise RuntimeError(f"{fixture.name}: {name} ({kind}) is declared to drop but does not: {rates}")
            module.p = 0.0
            turned_off.append(name)
        elif any(r != 0 for r in rates.values()):
            raise RuntimeError(f"{fixture.name}: {name} ({kind}) drops in training mode: {rates}")
    unmatched = [pattern for pattern in fixture.dropout_off if not any(re.fullmatch(pattern, n) for n in turned_off)]
    if unmatched:
        raise RuntimeError(f"{fixture.name}: dropout patterns that match nothing: {unmatched}")
    return turned_off


def training_pass(model, x, loss_weights, guard=None):
    """Logits in training mode and dL/dparam for L = sum(logits * loss_weights).

    Returns (logits, {state_dict name: gradient}) for the parameters that require a gradient;
    one the loss does not reach gets an explicit zero gradient.  Fails if the pass drew random
    numbers (a dropout that is not off would), or if ``guard`` (a Float64Guard) saw no operation
    of the backward pass.
    """
    model.train()
    model.zero_grad(set_to_none=True)
    rng = torch.get_rng_state()
    logits = model(x)
    if not isinstance(logits, torch.Tensor):
        raise RuntimeError(f"model returned {type(logits).__name__} in training mode, expected one tensor of logits")
    if logits.shape != loss_weights.shape:
        raise RuntimeError(f"training logits shape {tuple(logits.shape)}, expected {tuple(loss_weights.shape)}")
    loss = (logits * loss_weights).sum()
    before = guard.operations if guard else 0
    loss.backward()
    if guard and guard.operations - before < len(list(model.parameters())):
        raise RuntimeError("the dispatch guard saw too few operations of the backward pass")
    if not torch.equal(rng, torch.get_rng_state()):
        raise RuntimeError("the training pass drew random numbers")
    gradients = {}
    for name, p in model.named_parameters():
        if p.requires_grad:
            gradients[name] = torch.zeros_like(p) if p.grad is None else p.grad.detach().clone()
    return logits.detach(), gradients


def forward(model, x):
    with torch.no_grad():
        out = model(x)
    if not isinstance(out, torch.Tensor):
        raise RuntimeError(f"model returned {type(out).__name__}, expected one tensor of logits")
    return out


def checked_spec(fixture, spec_text, params, trainable, vitscope):
    """Validate and analyse the spec with the vitscope CLI; stop unless it matches the reference."""
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / f"{fixture.name}.json"
        path.write_text(spec_text)
        validate = subprocess.run([vitscope, "validate", str(path)], capture_output=True, text=True)
        if validate.returncode != 0:
            sys.exit(f"{fixture.name}: vitscope validate rejected the spec:\n{validate.stdout}{validate.stderr}")
        analyze = subprocess.run([vitscope, "analyze", str(path), "--batch", str(fixture.batch), "--format", "json"],
                                 capture_output=True, text=True)
        if analyze.returncode != 0:
            sys.exit(f"{fixture.name}: vitscope analyze failed:\n{analyze.stderr}")
    report = json.loads(analyze.stdout)
    expected_input = {"batch": fixture.batch, "channels": fixture.in_channels,
                      "height": fixture.height, "width": fixture.width}
    problems = []
    if report["input"] != expected_input:
        problems.append(f"input {report['input']} != {expected_input}")
    if report["totals"]["params"] != params:
        problems.append(f"params: vitscope {report['totals']['params']} != reference {params}")
    if report["totals"]["trainable_params"] != trainable:
        problems.append(f"trainable params: vitscope {report['totals']['trainable_params']} != reference {trainable}")
    last = report["layers"][-1]["output_shape"]
    if last != [fixture.batch, fixture.num_classes]:
        problems.append(f"final output shape {last} != {[fixture.batch, fixture.num_classes]}")
    if problems:
        sys.exit(f"{fixture.name}: the spec does not reproduce the reference model:\n  " + "\n  ".join(problems)
                 + f"\nspec:\n{spec_text}")
    return report


def spec_text(spec):
    """JSON like the files under specs/: two-space indent, arrays of numbers on one line."""
    def render(value, indent):
        pad = "  " * indent
        if isinstance(value, dict):
            items = [f'{pad}  {json.dumps(k)}: {render(v, indent + 1)}' for k, v in value.items()]
            return "{\n" + ",\n".join(items) + f"\n{pad}}}"
        if isinstance(value, list) and all(not isinstance(v, (dict, list)) for v in value):
            return "[" + ", ".join(json.dumps(v) for v in value) + "]"
        if isinstance(value, list):
            return "[\n" + ",\n".join(f"{pad}  {render(v, indent + 1)}" for v in value) + f"\n{pad}]"
        return json.dumps(value)
    return render(spec, 0) + "\n"


def relative_difference(a, b):
    """max |a - b| / max |b|."""
    return ((a.double() - b.double()).abs().max() / b.double().abs().max()).item()


@torch.no_grad()
def take_kept_tensors(fixture, model, folder):
    """Replace the tensors kept as constructed by those of the fixture's file in ``folder``.

    The Performer's ``w`` comes from LAPACK's QR, whose last bits depend on the machine; taking
    it from the committed file lets another machine reproduce the file.  The stored tensor must
    be the constructed one up to that rounding (1e-6 of its largest magnitude).  Returns the names
    taken.
    """
    path = Path(folder) / f"{fixture.name}.safetensors"
    if not fixture.keep or not path.is_file():
        return []
    stored = load_safetensors(path.read_bytes())
    state = model.state_dict()
    for key in fixture.keep:
        mine, theirs = state[key], stored.get(key)
        if theirs is None or theirs.shape != mine.shape or theirs.dtype != mine.dtype:
            raise RuntimeError(f"{path}: {key} is missing or has another shape or dtype")
        difference = (theirs.double() - mine.double()).abs().max().item()
        if difference > 1e-6 * mine.abs().max().item():
            raise RuntimeError(f"{path}: {key} differs from the constructed tensor by {difference:.1e}")
        mine.copy_(theirs)
    return list(fixture.keep)


def generate(fixture, vitscope, kept_from=None):
    """Build, reinitialise and run one fixture; return (file bytes, summary).

    ``kept_from``: a folder of fixture files to take the tensors kept as constructed from
    (see take_kept_tensors)."""
    seed = fixture_seed(fixture.name)
    torch.manual_seed(seed)  # construction-time randomness (the Performer's w)
    model = fixture.build()
    model.eval()
    generator = torch.Generator().manual_seed(seed)
    reinitialise(model, generator, set(fixture.keep), fixture.gains)
    if kept_from is not None:
        take_kept_tensors(fixture, model, kept_from)
    x = torch.randn(fixture.batch, fixture.in_channels, fixture.height, fixture.width,
                    generator=generator, dtype=torch.float32)

    # A separate generator, so that R leaves the weights' and the input's draws as they were.
    loss_weights_seed = fixture_seed(fixture.name + "/loss_weights")
    loss_weights = torch.randn(fixture.batch, fixture.num_classes,
                               generator=torch.Generator().manual_seed(loss_weights_seed), dtype=torch.float32)

    state = model.state_dict()
    tensors = {}
    for key, value in state.items():
        if key.startswith("vitscope."):
            raise RuntimeError(f"state_dict entry {key} clashes with the fixture tensor names")
        expected = torch.int64 if key.endswith("num_batches_tracked") else torch.float32
        if value.dtype != expected:
            raise RuntimeError(f"{key}: dtype {value.dtype}, expected {expected}")
        tensors[key] = value.detach().clone().contiguous()

    params = sum(p.numel() for p in model.parameters())
    trainable = sum(p.numel() for p in model.parameters() if p.requires_grad)
    names = [name for name, _ in model.named_parameters(remove_duplicate=False)]
    if len(set(names)) != len(names) or len(set(map(id, model.parameters()))) != len(names):
        raise RuntimeError("a parameter is shared between modules; its gradient would have two names")
    missing = [name for name in names if name not in state]
    if missing:
        raise RuntimeError(f"parameters not in the state_dict under their own name: {missing}")
    frozen = [name for name, p in model.named_parameters() if not p.requires_grad]
    dropout_off = turn_off_dropout(fixture, model)
    batch_norms = [name for name, m in model.named_modules() if isinstance(m, nn.modules.batchnorm._BatchNorm)]

    logits32 = forward(model, x)
    train_logits32, gradients32 = training_pass(copy.deepcopy(model), x, loss_weights)
    model64 = model.double()
    with fixture.float64_adapter(), Float64Guard() as guard:
        logits64 = forward(model64, x.double())
        check_every_tensor_matters(fixture, model64, x.double(), logits64)
        train_logits64, gradients64 = training_pass(copy.deepcopy(model64), x.double(), loss_weights.double(), guard)
        again, _ = training_pass(copy.deepcopy(model64), x.double(), loss_weights.double())
        if not torch.equal(again, train_logits64):
            raise RuntimeError("two training passes disagree")
    shape = (fixture.batch, fixture.num_classes)
    if tuple(logits64.shape) != shape or tuple(logits32.shape) != shape:
        raise RuntimeError(f"logits shape {tuple(logits64.shape)}, expected {shape}")
    if set(gradients64) != set(gradients32) or any(g.dtype != torch.float64 for g in gradients64.values()):
        raise RuntimeError("float32 and float64 passes disagree on the parameters with gradients")
    logits = logits64.to(torch.float32)
    if not batch_norms and not torch.equal(train_logits64, logits64):
        raise RuntimeError("without BatchNorm the training logits must equal the eval logits")

    # Gradients the loss cannot see: float64 rounding leaves them at most ~1e-16 of the largest.
    scale = max(g.abs().max().item() for g in gradients64.values() if g.numel())
    zero = sorted(n for n, g in gradients64.items() if g.numel() and g.abs().max().item() <= 1e-12 * scale)
    undeclared = [n for n in zero if not any(re.fullmatch(pattern, n) for pattern in fixture.invisible)]
    if undeclared:
        raise RuntimeError(f"{fixture.name}: zero gradient for parameters not declared invisible: {undeclared}")
    seen = [n for n, g in gradients64.items() if g.numel() and n not in zero
            and any(re.fullmatch(pattern, n) for pattern in fixture.invisible)]
    if seen:
        raise RuntimeError(f"{fixture.name}: parameters declared invisible have a gradient in training mode: {seen}")
    if any(name in gradients64 for name in frozen):
        raise RuntimeError("a frozen parameter has a gradient")

    tensors[INPUT_KEY] = x.contiguous()
    tensors[LOGITS_KEY] = logits.contiguous()
    tensors[TRAIN_LOGITS_KEY] = train_logits64.to(torch.float32).contiguous()
    tensors[LOSS_WEIGHTS_KEY] = loss_weights.contiguous()
    for name, g in gradients64.items():
        tensors[GRAD_PREFIX + name] = g.to(torch.float32).contiguous()
    for key, value in tensors.items():
        assert value.is_contiguous(), key

    metadata = {
        "format": FORMAT,
        "name": fixture.name,
        "reference": fixture.reference,
        "constructor": fixture.constructor,
        "torch": torch.__version__,
        "seed": str(seed),
        "tolerance": TOLERANCE,
        "loss": LOSS,
        "loss_weights_seed": str(loss_weights_seed),
        "frozen": json.dumps(frozen),
        "dropout_off": json.dumps(dropout_off),
        "gradient_tolerance": GRADIENT_TOLERANCE,
    }
    if fixture.spec is not None:
        text = spec_text(fixture.spec)
        checked_spec(fixture, text, params, trainable, vitscope)
        metadata["spec"] = text
    else:
        metadata["vit_pytorch_call"] = fixture.vit_pytorch_call

    data = canonical_header(save_safetensors(tensors, metadata=metadata))
    check_round_trip(data, tensors, metadata)
    summary = {
        "name": fixture.name,
        "params": params,
        "input": list(x.shape),
        "logits_min": logits.min().item(),
        "logits_max": logits.max().item(),
        "rel_diff_f32_f64": relative_difference(logits32, logits64),
        "train_rel_diff_f32_f64": relative_difference(train_logits32, train_logits64),
        "train_vs_eval": relative_difference(train_logits64, logits64),
        "grad_rel_diff_f32_f64": max((gradients32[n].double() - g).abs().max().item()
                                     for n, g in gradients64.items() if g.numel()) / scale,
        "grad_worst_tensor": max(((gradients32[n].double() - g).abs().max().item() / g.abs().max().item(), n)
                                 for n, g in gradients64.items() if g.numel() and n not in zero),
        "grad_bound_share": max((gradients32[n].double() - g).abs().max().item()
                                / (GRADIENT_RELATIVE * g.abs().max().item() + GRADIENT_FLOOR * scale)
                                for n, g in gradients64.items() if g.numel()),
        "grad_scale": scale,
        "gradients": len(gradients64),
        "frozen": frozen,
        "dropout_off": dropout_off,
        "zero_gradients": zero,
        "batch_norms": len(batch_norms),
        "bytes": len(data),
    }
    return data, summary


def canonical_header(data):
    """The same file with the `__metadata__` keys in sorted order (safetensors writes them in hash order)."""
    length = int.from_bytes(data[:8], "little")
    header = data[8:8 + length].decode("utf-8")
    entries = json.loads(header, object_pairs_hook=list)

    def dump(pairs):
        body = ",".join(
            f"{json.dumps(k, ensure_ascii=False)}:"
            + (dump(v) if isinstance(v, list) and v and isinstance(v[0], tuple)
               else json.dumps(v, ensure_ascii=False, separators=(",", ":")))
            for k, v in pairs)
        return "{" + body + "}"

    # The serializer above must reproduce the header as written before it may rewrite it.
    if dump(entries).ljust(length) != header:
        raise RuntimeError("cannot reproduce the safetensors header; refusing to rewrite it")
    canonical = [(k, sorted(v) if k == "__metadata__" else v) for k, v in entries]
    text = dump(canonical).ljust(length)
    encoded = text.encode("utf-8")
    if len(encoded) != length:
        raise RuntimeError("canonical header changed length")
    return data[:8] + encoded + data[8 + length:]


def check_round_trip(data, tensors, metadata):
    """Read the bytes back with safetensors: same tensors, dtypes and metadata."""
    loaded = load_safetensors(data)
    if set(loaded) != set(tensors):
        raise RuntimeError("round trip: tensor names differ")
    for key, value in tensors.items():
        if loaded[key].dtype != value.dtype or not torch.equal(loaded[key], value):
            raise RuntimeError(f"round trip: {key} differs")
    length = int.from_bytes(data[:8], "little")
    if json.loads(data[8:8 + length])["__metadata__"] != metadata:
        raise RuntimeError("round trip: metadata differs")


# --------------------------------------------------------------------------
# Main
# --------------------------------------------------------------------------

def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--t2t-repo", help="T2T-ViT checkout (contains models/); needed for the T2T-ViT fixtures")
    parser.add_argument("--cvt-repo", help="CvT checkout (contains lib/models/); needed for the CvT fixture")
    parser.add_argument("--vitscope", default=".build/debug/vitscope", help="the vitscope CLI, to check specs")
    parser.add_argument("--out", default="Tests/Fixtures/numeric", help="folder for the .safetensors files")
    parser.add_argument("--only", action="append", default=None, help="generate only this fixture (repeatable)")
    parser.add_argument("--kept-from", metavar="DIR",
                        help="take the tensors kept as constructed (T2T-ViT's sinusoid table, the Performer's w) "
                             "from the fixture files in DIR where they exist, so that a machine whose LAPACK "
                             "rounds the Performer's w differently reproduces those files")
    parser.add_argument("--check", action="store_true",
                        help="regenerate in memory and compare with the files in --out; write nothing")
    args = parser.parse_args()

    if not Path(args.vitscope).is_file():
        sys.exit(f"--vitscope: {args.vitscope} not found (run `swift build` first)")
    torch.set_num_threads(1)
    torch.use_deterministic_algorithms(True)

    t2t = ReferenceModule("--t2t-repo", args.t2t_repo, load_t2t)
    cvt = ReferenceModule("--cvt-repo", args.cvt_repo, load_cvt)
    fixtures = timm_fixtures() + t2t_fixtures(t2t) + cvt_fixtures(cvt) + vit_pytorch_fixtures()
    names = [f.name for f in fixtures]
    assert len(set(names)) == len(names), "duplicate fixture names"
    if args.only:
        unknown = set(args.only) - set(names)
        if unknown:
            sys.exit(f"--only: unknown fixtures {sorted(unknown)}; known: {', '.join(names)}")
        fixtures = [f for f in fixtures if f.name in args.only]

    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    summaries, stale = [], []
    for fixture in fixtures:
        data, summary = generate(fixture, args.vitscope, args.kept_from)
        summaries.append(summary)
        path = out / f"{fixture.name}.safetensors"
        if args.check:
            if not path.is_file() or path.read_bytes() != data:
                stale.append(path.name)
        else:
            temporary = path.with_suffix(".safetensors.tmp")
            temporary.write_bytes(data)
            os.replace(temporary, path)
        log(f"{fixture.name}: {summary['params']} params, input {summary['input']}, "
            f"logits in [{summary['logits_min']:.3f}, {summary['logits_max']:.3f}], "
            f"float32 vs float64 max|Δ|/max|logits| = {summary['rel_diff_f32_f64']:.1e}, "
            f"{summary['bytes']} bytes")
        log(f"  training: {summary['batch_norms']} BatchNorm layers, train vs eval logits "
            f"{summary['train_vs_eval']:.1e}, float32 vs float64 train logits {summary['train_rel_diff_f32_f64']:.1e}; "
            f"{summary['gradients']} gradients (largest |g| {summary['grad_scale']:.2e}), float32 vs float64 "
            f"max|Δg|/max|g| = {summary['grad_rel_diff_f32_f64']:.1e}, worst tensor "
            f"{summary['grad_worst_tensor'][0]:.1e} ({summary['grad_worst_tensor'][1]}), "
            f"{summary['grad_bound_share']:.3f} of the gradient bound; "
            f"frozen {summary['frozen']}, zero gradients {summary['zero_gradients']}, "
            f"dropout turned off {summary['dropout_off']}")

    print(f"torch {torch.__version__}, timm {timm.__version__}, "
          f"vit-pytorch {importlib.metadata.version('vit-pytorch')}, safetensors {safetensors.__version__}, "
          f"Python {platform.python_version()}")
    print("| fixture | params | input (B, C, H, W) | logits range | float32 vs float64 | gradients: float32 vs "
          "float64 (of the largest) | worst tensor (of its largest) | share of the bound | bytes |")
    print("|---|---:|---|---|---:|---:|---:|---:|---:|")
    for s in summaries:
        print(f"| `{s['name']}` | {s['params']:,} | {tuple(s['input'])} | "
              f"[{s['logits_min']:.2f}, {s['logits_max']:.2f}] | {s['rel_diff_f32_f64']:.1e} | "
              f"{s['grad_rel_diff_f32_f64']:.1e} | {s['grad_worst_tensor'][0]:.1e} | {s['grad_bound_share']:.3f} | "
              f"{s['bytes']:,} |")
    print(f"total {sum(s['bytes'] for s in summaries):,} bytes")
    if args.check:
        if stale:
            sys.exit(f"differ from a fresh run: {', '.join(stale)}")
        print("all fixtures reproduce byte for byte")


if __name__ == "__main__":
    main()
