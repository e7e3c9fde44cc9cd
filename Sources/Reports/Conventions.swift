/// The counting conventions, worded once for every output.
public enum Conventions {
    public static let params =
        "params: every parameter tensor element, frozen ones included (trainable_params excludes them); BatchNorm running statistics are buffers, not parameters"
    public static let macs =
        "MACs: multiply-accumulates of conv, linear and matmul ops incl. attention q·kᵀ and attn·v; bias adds excluded; grouped convs per group (what ViT papers call FLOPs)"
    public static let flops = "FLOPs: 2 × MACs"
    public static let fvcore =
        "fvcore: MACs + LayerNorm 5/element + BatchNorm 2/element + adaptive average pool 1/input element, as fvcore's FlopCountAnalysis counts"
    public static let activations = "activations: elements of every op's output tensor (broader than fvcore's activation count)"
    public static let elementwise = "elementwise: elements processed by norms, softmax, activations, adds and pooling, kept apart from MACs"

    /// All of the above, one per line.
    public static let all = [params, macs, flops, fvcore, activations, elementwise]

    /// M = 10⁶, G = 10⁹.
    public static let units = "units: M = 10⁶, G = 10⁹"
}
