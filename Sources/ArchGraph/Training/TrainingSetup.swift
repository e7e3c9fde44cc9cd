/// How softmax attention runs in a training step.
public enum AttentionImplementation: String, CaseIterable, Hashable, Sendable {
    /// PyTorch's fused scaled-dot-product attention (timm's default): keeps q, k, v, the output and
    /// one log-sum-exp per query row for backward, never the N×N matrix.
    case fused
    /// The matrix computed explicitly (`TIMM_FUSED_ATTN=0`, the authors' code, vit-pytorch): keeps
    /// the scores' operands and the softmax output.
    case eager
}

/// The arithmetic of a training step.
public enum Precision: String, CaseIterable, Hashable, Sendable {
    /// Everything in float32.
    case fp32
    /// Mixed precision, `torch.autocast(dtype=torch.bfloat16)`: fp32 master weights.
    case bf16
    /// Mixed precision, `torch.autocast(dtype=torch.float16)`: fp32 master weights.
    case fp16
}

/// The element type of a tensor kept for backward.
public enum ScalarType: String, CaseIterable, Hashable, Sendable {
    case float32, bfloat16, float16, int64, bool

    /// Bytes per element.
    public var bytes: Int {
        switch self {
        case .float32: 4
        case .bfloat16, .float16: 2
        case .int64: 8
        case .bool: 1
        }
    }
}
