"""The counts recorded for one PyTorch model, shared by the reference scripts.

``measure(model, x)`` returns the record described in ``reference_counts.py``
(params, trainable params, buffers, FlopCounterMode MACs, fvcore totals, by op
and by module, output shape).  ``reference_counts.py`` and
``vit_pytorch_counts.py`` both import it; it imports neither.

Needs torch and fvcore.  The Swift build and tests never run it.
"""

import contextlib
import sys
import time

import torch
from torch.utils.flop_counter import FlopCounterMode

from fvcore.nn import FlopCountAnalysis


def log(msg):
    print(f"[{time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)


def as_int(value, what):
    """Convert a count that must be integral (fvcore returns floats for einsum)."""
    if isinstance(value, float) or hasattr(value, "is_integer"):
        value = float(value)
        if not value.is_integer():
            raise ValueError(f"{what} is not an integer: {value}")
    return int(value)


def shape_of(out):
    """Shape(s) of a model output as plain lists."""
    if isinstance(out, torch.Tensor):
        return list(out.shape)
    if isinstance(out, (tuple, list)):
        return [shape_of(o) for o in out]
    return repr(type(out))


def params_by_module(model):
    """Parameters per first-level child, plus the model's own parameters."""
    counts = {}
    for name, child in model.named_children():
        counts[name] = sum(p.numel() for p in child.parameters())
    for name, p in model.named_parameters(recurse=False):
        counts[name] = p.numel()
    return counts


@contextlib.contextmanager
def parameters_frozen(model):
    """Temporarily set requires_grad=False on all parameters.

    FlopCounterMode's module tracker registers a backward hook on every module
    input that requires grad.  Under no_grad, a view of a parameter (e.g.
    timm PiT's `cls_token.expand(...)`, passed into the next stage) still has
    requires_grad=True but no grad_fn, and registering the hook then fails
    with "Expected gradient function to be set".  Counts do not depend on
    requires_grad, so switch it off while counting and restore it afterwards.
    """
    flags = [(p, p.requires_grad) for p in model.parameters()]
    for p, _ in flags:
        p.requires_grad_(False)
    try:
        yield
    finally:
        for p, flag in flags:
            p.requires_grad_(flag)


def measure(model, x):
    """All the counts for one model on one input tensor."""
    model.eval()
    record = {
        "input_shape": list(x.shape),
        "params": sum(p.numel() for p in model.parameters()),
        "trainable_params": sum(p.numel() for p in model.parameters() if p.requires_grad),
        "buffers": sum(b.numel() for name, b in model.named_buffers()
                       if not name.endswith("num_batches_tracked")),
        "params_by_module": params_by_module(model),
    }
    with torch.no_grad(), parameters_frozen(model):
        # PyTorch's own counter: runs the model under a dispatch mode and adds
        # 2*M*N*K for every mm/addmm/bmm/baddbmm/convolution/attention kernel.
        counter = FlopCounterMode(display=False)
        with counter:
            out = model(x)
        total = counter.get_total_flops()
        assert total % 2 == 0, f"odd FLOP total {total}"
        record["macs"] = total // 2
        by_op = {}
        for op, flops in counter.get_flop_counts().get("Global", {}).items():
            assert flops % 2 == 0, f"odd FLOP count {flops} for {op}"
            by_op[str(op)] = flops // 2
        record["macs_by_op"] = by_op
        record["output_shape"] = shape_of(out)
        del out

        # fvcore: traces the model with torch.jit and applies per-op handles.
        analysis = (FlopCountAnalysis(model, x)
                    .unsupported_ops_warnings(False)
                    .uncalled_modules_warnings(False))
        record["fvcore"] = as_int(analysis.total(), "fvcore total")
        record["fvcore_by_op"] = {op: as_int(v, f"fvcore {op}")
                                  for op, v in sorted(analysis.by_operator().items())}
        record["fvcore_ignored_ops"] = sorted(analysis.unsupported_ops().keys())
    return record
