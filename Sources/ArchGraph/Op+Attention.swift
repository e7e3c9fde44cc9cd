extension Op {
    /// Whether the op is one of attention's token-mixing products: q·kᵀ (`attention_scores`),
    /// attn·v (`attention_context`) or T2T's Performer attention. Their MACs grow with the
    /// square of the token count (linearly for the Performer), while every other MAC of a
    /// transformer grows linearly with it; reports show the two apart.
    public var isAttentionProduct: Bool {
        switch self {
        case .attentionScores, .attentionContext, .performerAttention: true
        default: false
        }
    }
}
