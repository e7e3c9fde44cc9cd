#!/usr/bin/env python3
"""Reference training costs of vision transformers, measured in PyTorch.

For every model listed below this script runs one training step (forward pass,
loss, backward pass; no optimizer) at batch 2 and records what it costs, so that
vitscope's analytic training model can be checked against it:

* ``forward_macs`` / ``backward_macs`` - ``torch.utils.flop_counter.FlopCounterMode``
  total FLOPs / 2, one counter around the forward pass only and a second one
  around ``loss.backward()`` only; ``*_by_op`` splits them by aten op.  The
  counter knows matmul, convolution and attention kernels only (norms,
  softmax, activations and elementwise arithmetic count nothing).  Its formula for
  ``convolution_backward`` ignores ``groups`` in the weight-gradient term; the excess is
  reported as ``backward_macs_grouped_conv_overcount`` (from the logged op arguments).
* ``saved_bytes`` - the memory autograd keeps from the forward pass for the
  backward pass.  The forward pass runs under
  ``torch.autograd.graph.saved_tensors_hooks``; the pack hook sees every tensor
  an autograd node saves and notes its storage (``untyped_storage().data_ptr()``
  and ``nbytes()``), dtype, shape, stride, and the innermost module whose
  forward is running (tracked with forward pre/post hooks on every module).
  ``saved_bytes`` is the sum of ``nbytes`` over the distinct storages, so views
  of one buffer (q, k and v out of one qkv tensor, a transpose, a reshape) count
  once, at the size of the whole storage.  Storages of the model's parameters
  and buffers and of the input image are left out (``excluded_buffer_bytes``
  reports the buffer storages that were saved, e.g. BatchNorm's running
  statistics or Swin's relative position index).  Autocast's low-precision
  copies of parameters and of the input are new storages and do count.
* ``saved_bytes_by_dtype`` and ``saved_bytes_by_module`` (each distinct storage
  charged to the module that saved it first), ``saved_tensor_count`` (pack
  events of tensors that count) and ``saved_storage_count``.

Which node saved which tensor: the pack hook returns a handle instead of the
tensor (the tensor itself is kept in a list, so it stays alive exactly as if
autograd held it).  After the forward pass the script walks the autograd graph
from the model output and reads every ``_saved_*`` attribute of every node;
reading one calls the unpack hook with its handle, which ties each saved tensor
to its node (e.g. ``AddmmBackward0``) and attribute (``_saved_mat1``).  A tensor
that no node reachable from the output claims would be freed before the
backward pass; it is reported as ``unreachable_bytes`` and does not count.

Each model is measured in up to four configurations: float32, or bfloat16
autocast (``torch.autocast("cpu", dtype=torch.bfloat16)``), each with fused
attention (``F.scaled_dot_product_attention``) or eager attention (explicit
``q @ k^T``, softmax, ``attn @ v``).  timm's attention modules (``Attention``,
Swin's ``WindowAttention``) carry a ``fused_attn`` flag that their forward reads
on every call; models are built with ``TIMM_FUSED_ATTN=0`` and the flag is set
per module for each configuration.  The authors' T2T-ViT and CvT and
vit-pytorch always compute attention explicitly (measured as "eager" only);
ResNet-50 has no attention ("none").  On CPU the fused attention runs as
``aten._scaled_dot_product_flash_attention_for_cpu``, for which this PyTorch's
FlopCounterMode has no formula: the script checks that it has none, then gives
it (and its backward) PyTorch's own formulas of the other flash attention
kernels through ``custom_mapping``.

The step runs in ``model.train()`` on ``torch.randn(2, C, H, W)`` (no gradient
for the input); the loss is ``logits.float().sum()``, computed outside the
saved-tensor hooks and outside autocast.  Every dropout and drop-path rate is
set to 0 before measuring (and the step must not draw random numbers); the
modules whose rate was not already 0 are listed per model (``drop_rates_forced``).

Models:

* every preset of ``reference_counts.py``: timm ViT, DeiT, PiT and ResNet-50 at
  the default size and at 192x256; Swin at the default size and at 256x256 with
  window 8; T2T-ViT at 224 and 160 (square only); CvT at the default size and at
  192x256.  The largest presets are measured at their default size only;
* the models of the numeric fixtures (``numeric_fixtures.py``), built as that
  script builds them (their weights are not redrawn: no count depends on them),
  at batch 2 and the fixture's own size;
* the vit-pytorch constructor calls of ``vit_pytorch_counts.py`` at their input
  sizes, batch 2.

Outputs: ``--out`` (the committed fixture), and with ``--debug-dir`` one JSON
file per model and configuration with every pack event (module, node and
attribute, shape, stride, dtype, storage index in first-seen order, storage
bytes, whether it counts and why not), plus ``index.json``.

Usage::

    python scripts/training_counts.py --t2t-repo /path/to/T2T-ViT --cvt-repo /path/to/CvT \\
        --out Tests/Fixtures/training-counts.json --debug-dir /path/to/debug

``--only NAME`` (repeatable) keeps the models whose key contains NAME, ``--precision fp32|bf16``
(repeatable) the configurations of that precision; ``--update`` merges what was measured into an
existing ``--out`` file instead of replacing it.  The
checkouts are plain directories (``git archive HEAD | tar -x``), imported
read-only as in ``reference_counts.py``.  The Swift build and tests never run
this script.
"""

import argparse
import contextlib
import datetime
import gc
import importlib
import importlib.metadata
import json
import math
import platform
import re
import sys
import time
import zlib
from functools import partial
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
# reference_counts sets TIMM_FUSED_ATTN=0 before importing timm.
import reference_counts as rc  # noqa: E402  (same folder)
import vit_pytorch_counts  # noqa: E402
from counting import log  # noqa: E402

import torch  # noqa: E402
import torch.utils.flop_counter as flop_counter  # noqa: E402
from torch.utils.flop_counter import FlopCounterMode  # noqa: E402

import timm  # noqa: E402

aten = torch.ops.aten

BATCH = 2
# The sizes measured besides each preset's default (see the docstring).
TIMM_EXTRA = rc.EXTRA_SIZES[1]        # (192, 256)
T2T_EXTRA = rc.EXTRA_SIZES[0]         # (160, 160): T2T-ViT needs a square grid
CVT_EXTRA = rc.EXTRA_SIZES[1]
SWIN_EXTRA = {name: builds[1] for name, builds in rc.SWIN_PRESETS.items()}  # (256, window 8)
# Measured at their default size only (the slowest on a CPU).
DEFAULT_SIZE_ONLY = {"vit_huge_patch14_224", "vit_large_patch16_384", "cvt_w24"}

PRECISIONS = ("fp32", "bf16")


# --------------------------------------------------------------------------
# FlopCounterMode and the CPU fused attention kernel
# --------------------------------------------------------------------------

CPU_SDPA = aten._scaled_dot_product_flash_attention_for_cpu
CPU_SDPA_BACKWARD = aten._scaled_dot_product_flash_attention_for_cpu_backward


def _as_raw(formula):
    """A registered formula (already wrapped to take tensors), marked so that
    FlopCounterMode's custom_mapping does not wrap it a second time."""
    def raw(*args, **kwargs):
        return formula(*args, **kwargs)
    raw._get_raw = True
    return raw


def cpu_sdpa_mapping():
    """custom_mapping entries for the CPU flash attention kernels, or {} if torch counts them.

    The formulas are PyTorch's own for ``_scaled_dot_product_flash_attention``
    (forward: q @ k^T and p @ v; backward: the score recomputation plus the four
    gradient products), whose leading arguments (grad_out,) query, key, value
    the CPU kernels share.
    """
    registry = flop_counter.flop_registry
    mapping = {}
    if CPU_SDPA not in registry:
        mapping[CPU_SDPA] = _as_raw(registry[aten._scaled_dot_product_flash_attention])
    if CPU_SDPA_BACKWARD not in registry:
        mapping[CPU_SDPA_BACKWARD] = _as_raw(registry[aten._scaled_dot_product_flash_attention_backward])
    return mapping


SDPA_MAPPING = cpu_sdpa_mapping()


def describe_argument(a):
    """A short JSON-able form of an op argument, for the op logs of the debug dumps."""
    if isinstance(a, torch.Tensor):
        return f"{str(a.dtype).replace('torch.', '')}{list(a.shape)}"
    if isinstance(a, (list, tuple)):
        return [describe_argument(b) for b in a]
    if a is None or isinstance(a, (bool, int, float)):
        return a
    return str(a)


def counter(op_log=None, where=None):
    """A FlopCounterMode with the CPU attention formulas; with op_log, every counted op call is
    also appended to it (op, MACs, arguments, where(): the module or autograd node running)."""
    if op_log is None:
        return FlopCounterMode(display=False, custom_mapping=SDPA_MAPPING)
    formulas = {**flop_counter.flop_registry, **SDPA_MAPPING}

    def logged(op, formula):
        def count(*args, out_val=None, **kwargs):
            flops = formula(*args, out_val=out_val, **kwargs)
            op_log.append({"op": str(op), "macs": flops // 2, "where": where(),
                           "args": describe_argument(list(args))})
            return flops
        count._get_raw = True
        return count

    mapping = {op: logged(op, f) for op, f in formulas.items() if isinstance(op, torch._ops.OpOverloadPacket)}
    return FlopCounterMode(display=False, custom_mapping=mapping)


def shape_of_argument(described):
    """[2, 8, 11, 11] from 'float32[2, 8, 11, 11]' (an op-log argument)."""
    return json.loads(described[described.index("["):])


def grouped_conv_overcount(backward_ops):
    """MACs FlopCounterMode's convolution_backward formula adds beyond the true count.

    Its weight-gradient term, conv(input^T, grad_out^T), ignores the groups argument: it
    counts k*k*Ho*Wo*C_in*C_out*N MACs where a grouped convolution does C_in/groups of the
    C_in input channels per output channel, so it counts the weight gradient of a depthwise
    or grouped convolution (CvT's q/k/v projections, PiT's pooling) `groups` times.  (Its
    input-gradient term and the forward formula use the weight's shape and are exact.)
    """
    over = 0
    for o in backward_ops:
        if o["op"] != "aten.convolution_backward":
            continue
        grad_out, x, w = (shape_of_argument(a) for a in o["args"][:3])
        transposed, groups, output_mask = o["args"][7], o["args"][9], o["args"][10]
        if groups == 1 or not output_mask[1]:
            continue
        if transposed:
            raise RuntimeError("grouped transposed convolution: no correction implemented")
        counted = grad_out[0] * grad_out[1] * x[1] * math.prod(grad_out[2:]) * math.prod(w[2:])
        assert counted % groups == 0
        over += counted - counted // groups
    return over


def autograd_node_running():
    node = torch._C._current_autograd_node()
    return None if node is None else type(node).__name__


def macs_of(flops_counter):
    """(total MACs, MACs by op) of a FlopCounterMode."""
    total = flops_counter.get_total_flops()
    assert total % 2 == 0, f"odd FLOP total {total}"
    by_op = {}
    for op, flops in flops_counter.get_flop_counts().get("Global", {}).items():
        assert flops % 2 == 0, f"odd FLOP count {flops} for {op}"
        if flops:
            by_op[str(op)] = flops // 2
    return total // 2, dict(sorted(by_op.items()))


# --------------------------------------------------------------------------
# Models
# --------------------------------------------------------------------------

class Case:
    """One model at one input shape."""

    def __init__(self, key, build, build_call, input_shape, family):
        self.key, self.build, self.build_call = key, build, build_call
        self.input_shape, self.family = tuple(input_shape), family


def timm_cases():
    cases = []
    for name in rc.TIMM_PRESETS:
        # Default size from the preset itself (as reference_counts.run_timm does), without building it.
        cfg = timm.models.get_pretrained_cfg(name)
        h, w = cfg.input_size[1:]
        call = f"timm.create_model({name!r}, pretrained=False)"
        cases.append(Case(f"{name} {h}x{w}", lambda name=name: timm.create_model(name, pretrained=False),
                          call, (BATCH, 3, h, w), "timm"))
        if name in DEFAULT_SIZE_ONLY:
            continue
        eh, ew = TIMM_EXTRA
        if name == "resnet50":  # takes no image size: the default model on another input
            cases.append(Case(f"{name} {eh}x{ew}", lambda name=name: timm.create_model(name, pretrained=False),
                              call, (BATCH, 3, eh, ew), "timm"))
        else:
            cases.append(Case(
                f"{name} {eh}x{ew}",
                lambda name=name: timm.create_model(name, pretrained=False, img_size=(eh, ew)),
                f"timm.create_model({name!r}, pretrained=False, img_size={(eh, ew)!r})",
                (BATCH, 3, eh, ew), "timm"))
    for name in rc.SWIN_PRESETS:
        cfg = timm.models.get_pretrained_cfg(name)
        h, w = cfg.input_size[1:]
        cases.append(Case(f"{name} {h}x{w}", lambda name=name: timm.create_model(name, pretrained=False),
                          f"timm.create_model({name!r}, pretrained=False)", (BATCH, 3, h, w), "timm"))
        size, window = SWIN_EXTRA[name]
        kwargs = {"img_size": size} if window is None else {"img_size": size, "window_size": window}
        args = "".join(f", {k}={v!r}" for k, v in kwargs.items())
        cases.append(Case(f"{name} {rc.swin_key(size, window)}",
                          lambda name=name, kwargs=kwargs: timm.create_model(name, pretrained=False, **kwargs),
                          f"timm.create_model({name!r}, pretrained=False{args})", (BATCH, 3, size, size), "timm"))
    return cases


def t2t_cases(t2t):
    cases = []
    for name in rc.T2T_PRESETS:
        factory = lambda name=name, **kw: rc.quiet(lambda: getattr(t2t(), name)(**kw))
        cases.append(Case(f"{name} 224x224", factory, f"models.t2t_vit.{name}()", (BATCH, 3, 224, 224), "t2t"))
        s = T2T_EXTRA[0]
        cases.append(Case(f"{name} {s}x{s}", lambda factory=factory: factory(img_size=s),
                          f"models.t2t_vit.{name}(img_size={s})", (BATCH, 3, s, s), "t2t"))
    return cases


def cvt_cases(cvt, cvt_repo):
    cases = []
    for name, (yaml_name, size) in rc.CVT_PRESETS.items():
        def build(yaml_name=yaml_name):
            module = cvt()
            # Same arguments as get_cls_model() in lib/models/cls_cvt.py.
            return module.ConvolutionalVisionTransformer(
                in_chans=3, num_classes=1000, act_layer=module.QuickGELU,
                norm_layer=partial(module.LayerNorm, eps=1e-5), init="trunc_norm",
                spec=rc.cvt_spec(cvt_repo(), yaml_name))
        call = (f"lib.models.cls_cvt.ConvolutionalVisionTransformer(in_chans=3, num_classes=1000, "
                f"act_layer=QuickGELU, norm_layer=partial(LayerNorm, eps=1e-5), init='trunc_norm', "
                f"spec=<MODEL.SPEC of experiments/imagenet/cvt/{yaml_name}>)")
        sizes = [(size, size)] + ([] if name in DEFAULT_SIZE_ONLY else [CVT_EXTRA])
        for h, w in sizes:  # CvT takes no image size: one model for every input
            cases.append(Case(f"{name} {h}x{w}", build, call, (BATCH, 3, h, w), "cvt"))
    return cases


def fixture_cases(t2t, cvt):
    import numeric_fixtures as nf  # imports safetensors; only needed here

    class Lazy:
        def __init__(self, get):
            self._get = get

        def __getattr__(self, name):
            return getattr(self._get(), name)

    fixtures = (nf.timm_fixtures() + nf.t2t_fixtures(Lazy(t2t)) + nf.cvt_fixtures(Lazy(cvt))
                + nf.vit_pytorch_fixtures())
    cases = []
    for f in fixtures:
        def build(f=f):
            torch.manual_seed(nf.fixture_seed(f.name))  # construction-time randomness, as numeric_fixtures
            return f.build()
        family = "vit_pytorch" if f.vit_pytorch_call else ("t2t" if "t2t_vit" in f.name else
                                                            "cvt" if f.name.startswith("cvt") else "timm")
        cases.append(Case(f"fixture:{f.name}", build, f.constructor,
                          (BATCH, f.in_channels, f.height, f.width), family))
    return cases


def vit_pytorch_cases():
    scope = {}
    for module, name in vit_pytorch_counts.CLASSES:
        scope[name] = getattr(importlib.import_module(module), name)
    cases, seen = [], set()
    for call, shape in vit_pytorch_counts.CASES:
        shape = (BATCH,) + tuple(shape[1:])
        key = f"vit_pytorch:{call} on {'x'.join(map(str, shape))}"
        if key in seen:  # batch 1 and batch 2 of the same call collapse to one case
            continue
        seen.add(key)
        cases.append(Case(key, lambda call=call: eval(call, dict(scope)), call, shape, "vit_pytorch"))
    return cases


# --------------------------------------------------------------------------
# Measuring
# --------------------------------------------------------------------------

DROP_ATTRIBUTES = ("p", "drop_prob", "prob")


def force_drop_rates_to_zero(model):
    """Set every nonzero dropout / drop-path probability to 0; return what was changed."""
    forced = []
    for name, module in model.named_modules():
        if "drop" not in type(module).__name__.lower():
            continue
        found = False
        for attr in DROP_ATTRIBUTES:
            value = getattr(module, attr, None)
            if isinstance(value, (int, float)) and not isinstance(value, bool):
                found = True
                if value != 0:
                    setattr(module, attr, 0.0)
                    forced.append(f"{name}.{attr}={value:g}")
        if not found:
            raise RuntimeError(f"{name} ({type(module).__name__}) has no drop probability the script knows")
    return forced


def attention_modes(model, family):
    """The attention settings to measure and the modules with a fused_attn flag."""
    flagged = [m for m in model.modules() if hasattr(m, "fused_attn")]
    if flagged:
        return ("fused", "eager"), flagged
    if family == "timm" and not any("attn" in n for n, _ in model.named_modules()):
        return ("none",), flagged  # ResNet
    return ("eager",), flagged


class ModuleStack:
    """The qualified names of the modules whose forward is running."""

    def __init__(self, model):
        self.stack = []
        self.handles = []
        for name, module in model.named_modules():
            self.handles.append(module.register_forward_pre_hook(partial(self._push, name)))
            self.handles.append(module.register_forward_hook(partial(self._pop, name), always_call=True))

    def _push(self, name, module, args):
        self.stack.append(name)

    def _pop(self, name, module, args, output):
        popped = self.stack.pop()
        assert popped == name, f"module stack broken: {popped} != {name}"

    def current(self):
        return self.stack[-1] if self.stack else ""

    def remove(self):
        for h in self.handles:
            h.remove()


def node_name(node):
    return None if node is None else type(node).__name__


def storage_of(t):
    st = t.untyped_storage()
    return st.data_ptr(), st.nbytes()


def tensors_in(out):
    if isinstance(out, torch.Tensor):
        return [out]
    if isinstance(out, (tuple, list)):
        return [t for o in out for t in tensors_in(o)]
    if isinstance(out, dict):
        return [t for o in out.values() for t in tensors_in(o)]
    return []


def walk_graph(roots, owners, set_current):
    """Read every saved attribute of every node reachable from roots (see the docstring)."""
    seen = set()
    todo = [t.grad_fn for t in roots if t.grad_fn is not None]
    nodes = []
    while todo:
        node = todo.pop()
        if node is None or node in seen:
            continue
        seen.add(node)
        nodes.append(node)
        name = type(node).__name__
        for attr in dir(node):
            if attr.startswith("_saved_"):
                set_current((name, attr))
                getattr(node, attr)
        if hasattr(node, "saved_tensors") and not name.endswith("Backward0"):  # Python custom Functions
            set_current((name, "saved_tensors"))
            try:
                node.saved_tensors
            except RuntimeError:
                pass
        set_current(None)
        for next_node, _ in node.next_functions:
            if next_node is not None:
                todo.append(next_node)
    counts = {}
    for node in nodes:
        counts[type(node).__name__] = counts.get(type(node).__name__, 0) + 1
    return dict(sorted(counts.items()))


def attention_kernel(attention, ops, graph_nodes):
    """Which kernel F.scaled_dot_product_attention ran: 'flash_for_cpu', 'math', both, or None.

    On CPU, sdpa takes its math fallback (decomposed into bmm, softmax, ...) whenever the
    attention mask requires a gradient, as Swin's relative position bias does; its ops are then
    those of explicit attention, so 'math' is inferred from a fused config without a flash node.
    Eager attention must reach no sdpa kernel.
    """
    sdpa_ops = {o for o in ops if "scaled_dot_product" in o}
    flash_nodes = graph_nodes.get("ScaledDotProductFlashAttentionForCpuBackward0", 0)
    if attention != "fused":
        if sdpa_ops or flash_nodes:
            raise RuntimeError(f"sdpa kernels in {attention} attention: {sorted(sdpa_ops)}")
        return None
    if bool(sdpa_ops) != bool(flash_nodes):
        raise RuntimeError(f"flash nodes {flash_nodes} but counted sdpa ops {sorted(sdpa_ops)}")
    return "flash_for_cpu" if flash_nodes else "math"


def measure_config(model, x, precision, attention, flagged, names):
    """One training step in one configuration; returns (record, debug events)."""
    for m in flagged:
        m.fused_attn = attention == "fused"
    model.train()
    model.zero_grad(set_to_none=True)

    events, kept = [], []
    owners = {}
    current = [None]
    stack = ModuleStack(model)

    def pack(t):
        ptr, nbytes = storage_of(t)
        events.append({
            "module": stack.current(), "ptr": ptr, "nbytes": nbytes, "dtype": str(t.dtype).replace("torch.", ""),
            "shape": list(t.shape), "stride": list(t.stride()), "offset": t.storage_offset(),
            "produced_by": node_name(t.grad_fn), "requires_grad": t.requires_grad,
        })
        kept.append(t)
        return len(kept) - 1

    def unpack(handle):
        if current[0] is not None:
            owners.setdefault(handle, []).append(current[0])
        return kept[handle]

    amp = (torch.autocast("cpu", dtype=torch.bfloat16) if precision == "bf16" else contextlib.nullcontext())
    rng = torch.get_rng_state()
    started = time.time()
    forward_ops, backward_ops = [], []
    forward_counter = counter(forward_ops, stack.current)
    try:
        with forward_counter, amp, torch.autograd.graph.saved_tensors_hooks(pack, unpack):
            out = model(x)
    finally:
        stack.remove()
    forward_seconds = time.time() - started
    outputs = tensors_in(out)
    node_counts = walk_graph(outputs, owners, lambda c: current.__setitem__(0, c))
    loss = sum(o.float().sum() for o in outputs)
    backward_counter = counter(backward_ops, autograd_node_running)
    started = time.time()
    with backward_counter:
        loss.backward()
    backward_seconds = time.time() - started
    if not torch.equal(rng, torch.get_rng_state()):
        raise RuntimeError("the training step drew random numbers (a dropout still active?)")

    forward_macs, forward_by_op = macs_of(forward_counter)
    backward_macs, backward_by_op = macs_of(backward_counter)
    kernel = attention_kernel(attention, set(forward_by_op) | set(backward_by_op), node_counts)

    # Annotate: why a tensor does not count, where low-precision copies come from.
    param_ptrs, buffer_ptrs = names
    input_ptr = x.untyped_storage().data_ptr()
    param_by_id = {id(p): n for n, p in model.named_parameters()}
    frozen = [(n, p) for n, p in model.named_parameters() if not p.requires_grad]
    storage_index = {}
    for i, (ev, t) in enumerate(zip(events, kept)):
        ev["saved_by"] = [f"{n}.{a}" for n, a in owners.get(i, [])] or None
        ptr = ev["ptr"]
        if ev["nbytes"] == 0:
            ptr = ("empty", i)
        ev["storage"] = storage_index.setdefault(ptr, len(storage_index))
        if ptr in param_ptrs:
            ev["excluded"] = f"parameter {param_ptrs[ptr]}"
        elif ptr in buffer_ptrs:
            ev["excluded"] = f"buffer {buffer_ptrs[ptr]}"
        elif ptr == input_ptr:
            ev["excluded"] = "input"
        elif i not in owners:
            ev["excluded"] = "unreachable"
        else:
            ev["excluded"] = None
        origin = None
        # A low-precision copy made by autocast, saved itself or as a view (a linear layer saves
        # weight.t()); a view's _base is the tensor that owns its storage.
        base = t if t._base is None else t._base
        if ev["excluded"] is None and base.dtype != torch.float32:
            if type(base.grad_fn).__name__ == "ToCopyBackward0":
                source = base.grad_fn.next_functions[0][0]
                if type(source).__name__ == "AccumulateGrad":
                    origin = f"{ev['dtype']} copy of parameter {param_by_id.get(id(source.variable), '?')}"
            elif base.grad_fn is None:
                with torch.no_grad():
                    if base.shape == x.shape and torch.equal(base, x.to(base.dtype)):
                        origin = f"{ev['dtype']} copy of the input"
                    else:
                        for n, p in frozen:
                            # The cast may be of a view (T2T's Performer casts w as einsum lays it
                            # out): compare the values as multisets.
                            if base.numel() == p.numel() and torch.equal(
                                    base.flatten().sort().values, p.to(base.dtype).flatten().sort().values):
                                origin = f"{ev['dtype']} copy of frozen parameter {n}"
                                break
        ev["origin"] = origin
        del ev["ptr"]

    counted = {}   # storage index -> (nbytes, dtype, module of first save)
    unreachable, buffers, copies = {}, {}, {"parameter": {}, "input": {}}
    tensors = 0
    for ev in events:
        s = ev["storage"]
        if ev["excluded"] is None:
            tensors += 1
            counted.setdefault(s, (ev["nbytes"], ev["dtype"], ev["module"]))
            if ev["origin"]:
                copies["input" if ev["origin"].endswith("the input") else "parameter"][s] = ev["nbytes"]
        elif ev["excluded"] == "unreachable":
            unreachable[s] = ev["nbytes"]
        elif ev["excluded"].startswith("buffer"):
            buffers[s] = ev["nbytes"]
    by_dtype, by_module = {}, {}
    for nbytes, dtype, module in counted.values():
        by_dtype[dtype] = by_dtype.get(dtype, 0) + nbytes
        by_module[module] = by_module.get(module, 0) + nbytes
    unreachable_bytes = sum(v for s, v in unreachable.items() if s not in counted)

    record = {
        "forward_macs": forward_macs,
        "backward_macs": backward_macs,
        "forward_macs_by_op": forward_by_op,
        "backward_macs_by_op": backward_by_op,
        "saved_bytes": sum(v[0] for v in counted.values()),
        "saved_bytes_by_dtype": dict(sorted(by_dtype.items())),
        "saved_bytes_by_module": by_module,   # in first-save (execution) order
        "parameter_copy_bytes": sum(copies["parameter"].values()),
        "input_copy_bytes": sum(copies["input"].values()),
        "excluded_buffer_bytes": sum(buffers.values()),
        "saved_tensor_count": tensors,
        "saved_storage_count": len(counted),
    }
    if unreachable_bytes:
        record["unreachable_bytes"] = unreachable_bytes
    if kernel is not None:
        record["sdpa_kernel"] = kernel
    overcount = grouped_conv_overcount(backward_ops)
    if overcount:
        record["backward_macs_grouped_conv_overcount"] = overcount
    debug = {
        "forward_seconds": round(forward_seconds, 3), "backward_seconds": round(backward_seconds, 3),
        "graph_nodes": node_counts, "events": events, "forward_ops": forward_ops, "backward_ops": backward_ops,
    }
    model.zero_grad(set_to_none=True)
    del out, outputs, loss, kept
    return record, debug


def measure_case(case, debug_dir, precisions=PRECISIONS):
    started = time.time()
    torch.manual_seed(0)
    model = case.build()
    forced = force_drop_rates_to_zero(model)
    modes, flagged = attention_modes(model, case.family)
    x = torch.randn(*case.input_shape)
    names = ({p.untyped_storage().data_ptr(): n for n, p in model.named_parameters()},
             {b.untyped_storage().data_ptr(): n for n, b in model.named_buffers()})
    entry = {
        "build": case.build_call,
        "input_shape": list(case.input_shape),
        "params": sum(p.numel() for p in model.parameters()),
        "trainable_params": sum(p.numel() for p in model.parameters() if p.requires_grad),
        "configs": {},
    }
    if flagged:
        entry["fused_attn_modules"] = len(flagged)
    if forced:
        entry["drop_rates_forced"] = forced
    for precision in precisions:
        for attention in modes:
            config = f"{precision} {attention}"
            t0 = time.time()
            record, debug = measure_config(model, x, precision, attention, flagged, names)
            entry["configs"][config] = record
            log(f"  {config}: fwd {record['forward_macs'] / 1e9:.3f} G, bwd {record['backward_macs'] / 1e9:.3f} G "
                f"MACs, saved {record['saved_bytes'] / 2**20:.1f} MiB in {record['saved_storage_count']} storages "
                f"({time.time() - t0:.1f} s)")
            if debug_dir is not None:
                write_debug(debug_dir, case, config, entry, debug)
            del debug
            gc.collect()
    del model
    gc.collect()
    log(f"  {case.key}: {time.time() - started:.1f} s")
    return entry


DEBUG_INDEX = {}


def debug_name(key):
    name = re.sub(r"[^A-Za-z0-9._=-]+", "_", key).strip("_")
    if len(name) > 120:
        name = f"{name[:110]}_{zlib.crc32(key.encode()):08x}"
    return name


def write_debug(folder, case, config, entry, debug):
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{debug_name(case.key)}.{config.replace(' ', '_')}.json"
    head = {
        "model": case.key, "config": config, "build": entry["build"], "input_shape": entry["input_shape"],
        "forward_seconds": debug["forward_seconds"], "backward_seconds": debug["backward_seconds"],
        "graph_nodes": debug["graph_nodes"],
        "event_fields": "i: pack order; storage: index of the storage, first-seen order; nbytes: bytes of the "
                        "whole storage; offset: storage offset (elements); saved_by: Node._saved_attribute that "
                        "holds it; produced_by: grad_fn of the saved tensor itself; excluded: why it does not "
                        "count (null: it counts); first: first event of a counted storage; forward_ops / backward_ops: every "
                        "op FlopCounterMode counted, in order, with its MACs, its arguments (tensors as "
                        "dtype[shape]) and where it ran (forward: innermost module; backward: the autograd node). "
                        "produced_by is as seen under FlopCounterMode, whose dispatch mode turns some "
                        "ReshapeAliasBackward0 into ViewBackward0; the saved tensors themselves are the same with "
                        "and without the counter",
    }
    seen = set()
    lines = []
    for i, ev in enumerate(debug["events"]):
        first = ev["excluded"] is None and ev["storage"] not in seen
        if first:
            seen.add(ev["storage"])
        row = {"i": i, "module": ev["module"], "saved_by": ev["saved_by"], "shape": ev["shape"],
               "stride": ev["stride"], "offset": ev["offset"], "dtype": ev["dtype"], "storage": ev["storage"],
               "nbytes": ev["nbytes"], "produced_by": ev["produced_by"], "origin": ev["origin"],
               "excluded": ev["excluded"], "first": first}
        lines.append(json.dumps(row, separators=(", ", ": ")))
    def ops(name):
        return (f',\n "{name}": [\n  '
                + ",\n  ".join(json.dumps(o, separators=(", ", ": ")) for o in debug[name]) + "\n ]")
    with open(path, "w") as f:
        f.write(json.dumps(head, indent=1)[:-2] + ',\n "events": [\n  ' + ",\n  ".join(lines) + "\n ]"
                + ops("forward_ops") + ops("backward_ops") + "\n}\n")
    DEBUG_INDEX.setdefault(case.key, {})[config] = path.name


# --------------------------------------------------------------------------
# Main
# --------------------------------------------------------------------------

def check_sdpa_counting():
    """What FlopCounterMode counts for CPU sdpa by itself, fp32 and bf16; returns a note for the meta."""
    q = torch.randn(2, 3, 17, 8, requires_grad=True)
    k = torch.randn(2, 3, 17, 8, requires_grad=True)
    v = torch.randn(2, 3, 17, 8, requires_grad=True)
    found = {}
    for precision in PRECISIONS:
        amp = torch.autocast("cpu", dtype=torch.bfloat16) if precision == "bf16" else contextlib.nullcontext()
        plain, mapped = FlopCounterMode(display=False), counter()
        with plain, amp:
            out = torch.nn.functional.scaled_dot_product_attention(q, k, v)
        with mapped, amp:
            out2 = torch.nn.functional.scaled_dot_product_attention(q, k, v)
        plain_b, mapped_b = FlopCounterMode(display=False), counter()
        with plain_b:
            out.float().sum().backward()
        with mapped_b:
            out2.float().sum().backward()
        found[precision] = {
            "output_dtype": str(out.dtype).replace("torch.", ""),
            "native_forward": {str(k): v for k, v in plain.get_flop_counts().get("Global", {}).items()},
            "native_backward": {str(k): v for k, v in plain_b.get_flop_counts().get("Global", {}).items()},
            "mapped_forward": {str(k): v for k, v in mapped.get_flop_counts().get("Global", {}).items()},
            "mapped_backward": {str(k): v for k, v in mapped_b.get_flop_counts().get("Global", {}).items()},
        }
        # 2 products of 2*3 x 17x8x17 in the forward, 5 in the backward (FLOPs = 2 per MAC)
        expect = 2 * 2 * 3 * 17 * 17 * 8
        assert sum(found[precision]["mapped_forward"].values()) == 2 * expect, found
        assert sum(found[precision]["mapped_backward"].values()) == 5 * expect, found
    return found


def build_meta(sdpa, date, seconds):
    """The fixture's meta object."""
    native = {p: bool(sdpa[p]["native_forward"]) for p in PRECISIONS}
    return {
        "generator": "scripts/training_counts.py",
        "date": date,
        "python": platform.python_version(),
        "torch": torch.__version__,
        "timm": timm.__version__,
        "vit_pytorch": importlib.metadata.version("vit-pytorch"),
        "batch": BATCH,
        "input": "torch.randn(2, C, H, W), requires_grad=False",
        "mode": "model.train(); one forward pass, loss, loss.backward(); no optimizer step",
        "loss": "sum over the model outputs of out.float().sum(), computed after the forward pass, outside the "
                "saved-tensor hooks and outside autocast; sum keeps no tensor for its backward pass anyway "
                "(only the input's size), and .float() of a float32 tensor is the tensor itself",
        "configs": "'<precision> <attention>': fp32 = float32; bf16 = torch.autocast('cpu', dtype=torch.bfloat16) "
                   "around the forward pass (the backward pass runs outside it); fused = timm attention modules "
                   "with fused_attn=True (F.scaled_dot_product_attention); eager = fused_attn=False (explicit "
                   "q @ k^T, softmax, attn @ v); the authors' T2T-ViT and CvT and vit-pytorch compute attention "
                   "explicitly and have 'eager' only; ResNet-50 has no attention: 'none'",
        "timm_attention": "models are built with TIMM_FUSED_ATTN=0; for each config the fused_attn attribute of "
                          "every module that has one (timm Attention, Swin WindowAttention) is set, which their "
                          "forward reads on every call (fused_attn_modules: how many a model has)",
        "macs": "torch.utils.flop_counter.FlopCounterMode FLOPs / 2: forward_macs from a counter around the "
                "forward pass only, backward_macs from a second one around loss.backward() only; matmul, "
                "convolution and attention kernels only; *_by_op: by aten op",
        "fused_attention_counting": (
            "FlopCounterMode counts aten._scaled_dot_product_flash_attention_for_cpu (the CPU fused kernel) "
            "natively: " + ("yes" if all(native.values()) else "no") + "; it has no formula for it or its "
            "backward in this torch, so the script passes custom_mapping={_scaled_dot_product_flash_attention_"
            "for_cpu: the formula torch registers for _scaled_dot_product_flash_attention (sdpa_flop: q @ k^T "
            "plus p @ v), _scaled_dot_product_flash_attention_for_cpu_backward: the formula registered for "
            "_scaled_dot_product_flash_attention_backward (sdpa_backward_flop: the recomputed q @ k^T plus the "
            "four gradient products dP = dO @ V^T, dV = P^T @ dO, dQ = dS @ K, dK = dS^T @ Q)}. The attention "
            "mask (Swin's relative position bias) costs nothing in either count. Under bf16 autocast the same "
            "ops run in bfloat16 and are counted the same way (checked on a small sdpa call: see sdpa_check)"),
        "sdpa_check": sdpa,
        "sdpa_kernel": "(fused configs) the kernel F.scaled_dot_product_attention ran: 'flash_for_cpu' "
                       "(aten._scaled_dot_product_flash_attention_for_cpu and its backward), or 'math': on CPU "
                       "sdpa falls back to its math implementation (decomposed into bmm, softmax, ...; "
                       "reduced-precision inputs upcast to float32) whenever the attention mask requires a "
                       "gradient, which Swin's relative position bias always does, so every Swin 'fused' config "
                       "is 'math'",
        "parameter_copy_bytes": "part of saved_bytes: counted storages that are autocast's low-precision copies of "
                                "parameters (0 in fp32, where saved parameters are excluded)",
        "input_copy_bytes": "part of saved_bytes: the low-precision copy of the input image autocast makes for the "
                            "first convolution or linear layer",
        "backward_macs_grouped_conv_overcount": "(only where nonzero) the part of backward_macs that "
                                                "FlopCounterMode's convolution_backward formula overcounts: its "
                                                "weight-gradient term ignores groups, so the weight gradient of a "
                                                "grouped or depthwise convolution (CvT's conv projections, PiT's "
                                                "pooling) is counted groups times; the true backward MACs are "
                                                "backward_macs minus this (the input-gradient term and the forward "
                                                "formula are exact)",
        "fused_attn_modules": "number of modules with a fused_attn flag (timm models only)",
        "sizes": "presets at their default size and one other: timm ViT / DeiT / PiT / ResNet-50 and CvT at "
                 "192x256, T2T-ViT at 160x160, Swin at 256x256 with window_size=8 (key suffix '-window8'); "
                 "default_size_only lists the presets measured at their default size only",
        "saved_bytes": "sum of untyped_storage().nbytes() over the distinct storages (by data_ptr) of the tensors "
                       "the autograd nodes of the forward pass save (torch.autograd.graph.saved_tensors_hooks "
                       "around the forward pass only), excluding the storages of the model's parameters and "
                       "buffers and of the input image; a saved view counts its whole storage, once",
        "saved_bytes_by_module": "each counted storage charged to the innermost module running at its first save "
                                 "('' = the model's own forward outside any child)",
        "excluded_buffer_bytes": "distinct buffer storages that were saved and left out (BatchNorm running "
                                 "statistics, Swin's relative position index, ...)",
        "saved_tensor_count": "pack events of tensors that count (one storage can be saved several times)",
        "saved_storage_count": "distinct storages that count",
        "unreachable_bytes": "(only where nonzero) storages saved by nodes the output does not reach, which "
                             "autograd frees at the end of the forward pass; not in saved_bytes",
        "drop_rates": "every dropout / drop-path module with a nonzero probability is set to 0 after "
                      "construction (drop_rates_forced lists them per model: e.g. the CvT yaml DROP_PATH_RATE, "
                      "timm Swin's default drop_path_rate=0.1, T2T-ViT Token_performer's hard-coded 0.1, the "
                      "dropout=0.1 / emb_dropout=0.1 of a vit-pytorch call); the step must leave torch's random "
                      "state unchanged",
        "not_measured": "memory the allocator holds beyond live tensors (caching, fragmentation); temporaries "
                        "inside the forward pass that are not saved; temporaries and gradients inside the "
                        "backward pass; parameter gradients; optimizer state; the output logits and the loss "
                        "themselves; FLOPs of non-matmul ops (norms, softmax, activations, elementwise, the "
                        "optimizer)",
        "models": "'<preset> <H>x<W>' (reference_counts.py preset names; Swin: '-window8' where the window was "
                  "changed), 'fixture:<name>' (Tests/Fixtures/numeric, at batch 2), 'vit_pytorch:<call> on "
                  "BxCxHxW' (vit_pytorch_counts.py calls, at batch 2)",
        "default_size_only": sorted(DEFAULT_SIZE_ONLY),
        "repositories": "yitu-opensource/T2T-ViT and microsoft/CvT, git archive exports, imported read-only",
        "seconds": seconds,
    }


def write_fixture(out, meta, models):
    """Meta indented, then one line per model (keys sorted; inside a model, insertion order)."""
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    with open(out, "w") as f:
        f.write("{\n \"meta\": " + json.dumps(meta, indent=1, sort_keys=True).replace("\n", "\n ")
                + ",\n \"models\": {\n")
        items = sorted(models.items())
        for i, (key, entry) in enumerate(items):
            f.write("  " + json.dumps(key) + ": " + json.dumps(entry, separators=(",", ":"))
                    + ("," if i + 1 < len(items) else "") + "\n")
        f.write(" }\n}\n")
    return out


def merge_models(previous, measured):
    """previous with the measured models' entries replaced, keeping the configs that were not
    measured again (configs in the order fp32 before bf16, each fused, eager, none)."""
    merged = dict(previous)
    order = [f"{p} {a}" for p in PRECISIONS for a in ("fused", "eager", "none")]
    for key, entry in measured.items():
        configs = dict(previous.get(key, {}).get("configs", {}))
        configs.update(entry["configs"])
        merged[key] = dict(entry, configs={c: configs[c] for c in sorted(configs, key=order.index)})
    return merged


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--t2t-repo", help="T2T-ViT checkout (contains models/)")
    parser.add_argument("--cvt-repo", help="CvT checkout (contains lib/models/ and experiments/)")
    parser.add_argument("--out", required=True, help="JSON file to write")
    parser.add_argument("--debug-dir", help="folder for the per-tensor dumps (one file per model and configuration)")
    parser.add_argument("--only", action="append", default=None,
                        help="measure only the models whose key contains this (repeatable)")
    parser.add_argument("--precision", action="append", choices=PRECISIONS, default=None,
                        help="measure only this precision (repeatable; default: all)")
    parser.add_argument("--update", action="store_true",
                        help="merge into an existing --out file: replace the measured configs of the measured "
                             "models, keep everything else")
    args = parser.parse_args()
    precisions = tuple(p for p in PRECISIONS if args.precision is None or p in args.precision)

    torch.set_num_threads(2)
    started = time.time()

    loaded = {}

    def t2t():
        if "t2t" not in loaded:
            if not args.t2t_repo:
                sys.exit("--t2t-repo is needed for the T2T-ViT models (or leave them out with --only)")
            loaded["t2t"] = rc.load_t2t(args.t2t_repo)
        return loaded["t2t"]

    def cvt():
        if "cvt" not in loaded:
            if not args.cvt_repo:
                sys.exit("--cvt-repo is needed for the CvT models (or leave them out with --only)")
            loaded["cvt"] = rc.load_cvt(args.cvt_repo)
        return loaded["cvt"]

    cases = (timm_cases() + t2t_cases(t2t) + cvt_cases(cvt, lambda: args.cvt_repo)
             + fixture_cases(t2t, cvt) + vit_pytorch_cases())
    keys = [c.key for c in cases]
    assert len(set(keys)) == len(keys), "duplicate model keys"
    if args.only:
        cases = [c for c in cases if any(s in c.key for s in args.only)]
        if not cases:
            sys.exit(f"--only matched no model; keys: {keys}")

    sdpa = check_sdpa_counting()
    models = {}
    for n, case in enumerate(cases, 1):
        log(f"[{n}/{len(cases)}] {case.key} input {list(case.input_shape)}")
        models[case.key] = measure_case(case, args.debug_dir, precisions)

    seconds = round(time.time() - started)
    if args.update and Path(args.out).exists():
        previous = json.loads(Path(args.out).read_text())
        seconds += previous["meta"].get("seconds", 0)
        models = merge_models(previous["models"], models)
    meta = build_meta(sdpa, datetime.date.today().isoformat(), seconds)
    out = write_fixture(args.out, meta, models)
    if args.debug_dir:
        full = Path(args.debug_dir) / "models-full.json"
        previous = json.loads(full.read_text()) if full.exists() else {}
        full.write_text(json.dumps(dict(sorted(merge_models(previous, models).items())), indent=1) + "\n")
        index = Path(args.debug_dir) / "index.json"
        previous = json.loads(index.read_text()) if index.exists() else {}
        previous.update(DEBUG_INDEX)
        index.write_text(json.dumps(previous, indent=1, sort_keys=True) + "\n")
    log(f"wrote {out} ({out.stat().st_size} bytes) in {time.time() - started:.0f} s")


if __name__ == "__main__":
    main()
