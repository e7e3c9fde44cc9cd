import ArchGraph

extension NaiveKernels {
    func linear(_ x: Tensor, weight: LinearWeight, bias: Tensor?, threads: Int, _ counters: inout Counters) -> Tensor {
        let weight = weight.tensor
        let (inFeatures, outFeatures) = (weight.shape[1], weight.shape[0])
        let rows = x.rows
        let out = Tensor(zeros: x.shape.dropLast() + [outFeatures])
        for r in 0..<rows {
            for o in 0..<outFeatures {
                var sum: Float = bias?.data[o] ?? 0
                for i in 0..<inFeatures { sum += x.data[r * inFeatures + i] * weight.data[o * inFeatures + i] }
                counters.macs += inFeatures
                out.data[r * outFeatures + o] = sum
            }
        }
        return out
    }
}

extension OptimizedKernels {
    /// `(rows, in) · (in, out)` with the weight `(out, in)` read transposed, the bias added in
    /// the GEMM's store; the MACs are the GEMM's count of the tiles it ran.
    func linear(_ x: Tensor, weight: LinearWeight, bias: Tensor?, threads: Int, _ counters: inout Counters) -> Tensor {
        let (inFeatures, outFeatures) = (weight.inFeatures, weight.outFeatures)
        let out = Tensor(uninitialized: x.shape.dropLast() + [outFeatures])
        counters.macs += weight.matrix.multiply(
            m: x.rows, a: x.data, aRowStride: inFeatures, aColStride: 1, c: out.data,
            cRowStride: outFeatures, bias: bias.map { UnsafePointer($0.data) },
            threads: threads, fault: fault)
        return out
    }
}
