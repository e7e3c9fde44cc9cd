import CPUBackend

/// One model's forward pass checked against its analytic graph, as `verify` reports it.
public struct VerificationOutcome: Sendable {
    public let model: String
    /// `B×C×H×W`.
    public let input: [Int]
    public let verification: Verification
    /// Wall time of the forward pass.
    public let seconds: Double
    /// With reference logits: the largest |difference| over the largest |reference logit|.
    public let logitsError: Float?
    public let tolerance: Float
    /// With `verify --train`: the training step checked node by node, and the bytes of state
    /// the AdamW step that followed it kept.
    public let training: TrainingVerification?
    public let optimizerStateBytes: Int?

    public init(
        model: String, input: [Int], verification: Verification, seconds: Double, logitsError: Float? = nil,
        tolerance: Float = 1e-4, training: TrainingVerification? = nil, optimizerStateBytes: Int? = nil
    ) {
        self.training = training
        self.optimizerStateBytes = optimizerStateBytes
        self.model = model
        self.input = input
        self.verification = verification
        self.seconds = seconds
        self.logitsError = logitsError
        self.tolerance = tolerance
    }

    /// Counts match node by node and, when reference logits were given, the outputs agree.
    public var matches: Bool {
        verification.matches && (logitsError.map { $0 <= tolerance } ?? true) && (training?.matches ?? true)
    }
}
