/// The optimizer of a training run, for the state it keeps per trainable parameter.
public enum OptimizerKind: String, CaseIterable, Hashable, Sendable {
    /// `torch.optim.AdamW`: two float32 moments per trainable parameter.
    case adamw
    /// `torch.optim.SGD` without momentum: no state.
    case sgd
    /// `torch.optim.SGD(momentum=...)`: one float32 momentum buffer per trainable parameter.
    case sgdMomentum = "sgd-momentum"

    /// Bytes of optimizer state per trainable parameter.
    public var stateBytesPerParameter: Int {
        switch self {
        case .adamw: 8
        case .sgd: 0
        case .sgdMomentum: 4
        }
    }

    /// The state, in words: `AdamW: 2 float32 moments per trainable parameter`.
    public var stateDescription: String {
        switch self {
        case .adamw: "AdamW: exp_avg and exp_avg_sq, 2 × 4 B per trainable parameter"
        case .sgd: "SGD without momentum: no state"
        case .sgdMomentum: "SGD with momentum: one momentum buffer, 4 B per trainable parameter"
        }
    }
}
