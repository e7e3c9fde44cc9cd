import ArchGraph

/// A data-center GPU: its memory and its dense peak arithmetic rates, from NVIDIA's datasheets.
///
/// | GPU | memory | FP32 (no tensor cores) | BF16 tensor, dense | FP16 tensor, dense | datasheet |
/// |---|---:|---:|---:|---:|---|
/// | V100 SXM2 32GB | 32 GiB | 15.7 TFLOPS | none | 125 TFLOPS | NVIDIA Tesla V100 datasheet ("Tensor Performance 125 TFLOPS", "Single-Precision 15.7 TFLOPS", SXM2) |
/// | A100 40GB SXM | 40 GiB | 19.5 TFLOPS | 312 TFLOPS | 312 TFLOPS | NVIDIA A100 datasheet (624 with sparsity) |
/// | A100 80GB SXM | 80 GiB | 19.5 TFLOPS | 312 TFLOPS | 312 TFLOPS | NVIDIA A100 datasheet (624 with sparsity) |
/// | H100 SXM | 80 GiB | 67 TFLOPS | 989.4 TFLOPS | 989.4 TFLOPS | NVIDIA H100 datasheet (1,979 with sparsity; "1/2 lower without sparsity") |
/// | H200 SXM | 141 GiB | 67 TFLOPS | 989.4 TFLOPS | 989.4 TFLOPS | NVIDIA H200 datasheet (1,979 with sparsity), the H100's GH100 chip |
///
/// FP32 is the rate without tensor cores: PyTorch's float32 matrix products do not use TF32 by
/// default (`torch.backends.cuda.matmul.allow_tf32` is `False`), so that is the rate a float32
/// step's products run at. Mixed precision runs the products in BF16 or FP16 on tensor cores.
/// Dense rates, never the "with sparsity" ones, which need 2:4 structured-sparse weights. The
/// memory is the datasheet's capacity, whose "GB" is binary for HBM (an A100 40GB has 5
/// stacks of 8 GiB); CUDA makes a little less of it available (an A100-SXM4-80GB's
/// `deviceQuery` reports 85,198,045,184 bytes, 79.3 GiB), which the reserve subtracted from
/// it covers together with the CUDA context and the libraries' workspaces.
public struct GPU: Hashable, Sendable {
    /// The name the command line takes: `a100-40gb`.
    public let id: String
    /// Other names it takes: `a100`.
    public let aliases: [String]
    /// The name in tables: `A100 40GB`.
    public let name: String
    public let memoryBytes: Int
    /// Dense peak FLOP/s in float32 without tensor cores.
    public let fp32: Double
    /// Dense peak FLOP/s on bfloat16 tensor cores, `nil` where there are none.
    public let bf16: Double?
    /// Dense peak FLOP/s on float16 tensor cores.
    public let fp16: Double
    /// Where the figures come from.
    public let source: String

    /// The peak FLOP/s the step's products run at in `precision`, or `nil` where the GPU has
    /// no such arithmetic (BF16 on the V100).
    public func peak(_ precision: Precision) -> Double? {
        switch precision {
        case .fp32: fp32
        case .bf16: bf16
        case .fp16: fp16
        }
    }

    /// Which peak is used in `precision`, in words.
    public static func peakName(_ precision: Precision) -> String {
        switch precision {
        case .fp32: "FP32 without tensor cores (PyTorch's default float32 matmul does not use TF32)"
        case .bf16: "BF16 tensor cores, dense"
        case .fp16: "FP16 tensor cores, dense"
        }
    }

    static let gibibyte = 1 << 30

    /// The GPUs of the table, smallest memory first.
    public static let all: [GPU] = [
        GPU(
            id: "v100", aliases: ["v100-32gb", "v100-sxm2"], name: "V100 32GB", memoryBytes: 32 * gibibyte, fp32: 15.7e12, bf16: nil,
            fp16: 125e12,
            source: "NVIDIA Tesla V100 datasheet, SXM2: 15.7 TFLOPS single precision, 125 TFLOPS tensor (FP16); Volta has no BF16"),
        GPU(
            id: "a100-40gb", aliases: ["a100-40"], name: "A100 40GB", memoryBytes: 40 * gibibyte, fp32: 19.5e12, bf16: 312e12,
            fp16: 312e12, source: "NVIDIA A100 datasheet, SXM: 19.5 TFLOPS FP32, 312 TFLOPS BF16/FP16 tensor (624 with sparsity)"),
        GPU(
            id: "a100-80gb", aliases: ["a100-80"], name: "A100 80GB", memoryBytes: 80 * gibibyte, fp32: 19.5e12,
            bf16: 312e12, fp16: 312e12,
            source: "NVIDIA A100 datasheet, SXM: 19.5 TFLOPS FP32, 312 TFLOPS BF16/FP16 tensor (624 with sparsity)"),
        GPU(
            id: "h100", aliases: ["h100-sxm", "h100-80gb"], name: "H100 SXM", memoryBytes: 80 * gibibyte, fp32: 67e12,
            bf16: 989.4e12, fp16: 989.4e12,
            source:
                "NVIDIA H100 datasheet, SXM: 67 TFLOPS FP32, 1,979 TFLOPS BF16/FP16 tensor with sparsity, half without (989.4 in the Hopper whitepaper)"
        ),
        GPU(
            id: "h200", aliases: ["h200-sxm", "h200-141gb"], name: "H200", memoryBytes: 141 * gibibyte, fp32: 67e12, bf16: 989.4e12,
            fp16: 989.4e12,
            source: "NVIDIA H200 datasheet, SXM: 141 GB, 67 TFLOPS FP32, 1,979 TFLOPS BF16/FP16 tensor with sparsity, half without"),
    ]

    /// The GPU a command-line name means, case-insensitively (`A100-40GB`, `h100`).
    public static func named(_ text: String) -> GPU? {
        let key = text.lowercased()
        return all.first { $0.id == key || $0.aliases.contains(key) }
    }

    /// The GPU with the most memory.
    public static var largest: GPU { all.max { $0.memoryBytes < $1.memoryBytes }! }
}
