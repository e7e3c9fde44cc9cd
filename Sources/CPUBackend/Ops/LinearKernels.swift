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

    /// The plain reference of a linear layer with its reader fused: the two kernels in a row.
    func linearFused(
        _ x: Tensor, weight: LinearWeight, bias: Tensor?, then epilogue: StoreEpilogue, threads: Int,
        storeFault: KernelFault?, _ linearCounters: inout Counters, _ storeCounters: inout Counters
    ) -> Tensor {
        let y = linear(x, weight: weight, bias: bias, threads: threads, &linearCounters)
        switch epilogue {
        case .activation(let kind): return activation(y, kind, threads: threads, &storeCounters)
        case .add(let residual): return add(y, residual, &storeCounters)
        }
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

    /// ``linear(_:weight:bias:threads:_:)`` with the epilogue (the activation, or the residual
    /// sum) applied in place to each part of the output as soon as the GEMM has finished it, on
    /// the thread that computed it: one tensor, never a second pass over memory. The second
    /// node's count is the elements its loops ran; `storeFault` skips or repeats the epilogue
    /// of the part that holds the first element.
    func linearFused(
        _ x: Tensor, weight: LinearWeight, bias: Tensor?, then epilogue: StoreEpilogue, threads: Int,
        storeFault: KernelFault?, _ linearCounters: inout Counters, _ storeCounters: inout Counters
    ) -> Tensor {
        let (inFeatures, outFeatures) = (weight.inFeatures, weight.outFeatures)
        let out = Tensor(uninitialized: x.shape.dropLast() + [outFeatures])
        let elements = Tally()
        linearCounters.macs += weight.matrix.multiply(
            m: x.rows, a: x.data, aRowStride: inFeatures, aColStride: 1, c: out.data,
            cRowStride: outFeatures, bias: bias.map { UnsafePointer($0.data) },
            threads: threads, fault: fault
        ) { rows, columns in
            var count = 0
            for _ in 0..<(rows.lowerBound == 0 && columns.lowerBound == 0 ? storeFault?.runs ?? 1 : 1) {
                for r in rows {
                    let offset = r * outFeatures + columns.lowerBound
                    let row = out.data + offset
                    switch epilogue {
                    case .activation(let kind): count += Self.activate(kind, row, row, count: columns.count)
                    case .add(let residual): count += Rows.zip(row, residual.data + offset, row, count: columns.count, +)
                    }
                }
            }
            elements.add(count)
        }
        storeCounters.elementwise += elements.value
        return out
    }
}

// Backward of `y = x·Wᵀ + b`, x `(rows, in)`, W `(out, in)`, g `(rows, out)`.

extension Keeps {
    /// A linear layer keeps its input (the weight gradient reads it); its weight is a parameter.
    static let linear: [Keep] = [.input]
}

extension NaiveKernels {
    func linearBackward(
        _ g: Tensor, input x: Tensor, weight: Tensor, bias: Bool, needs: GradientNeeds, threads: Int,
        _ counters: inout BackwardCounters
    ) -> (input: Tensor?, weight: Tensor?, bias: Tensor?) {
        let (inFeatures, outFeatures, rows) = (weight.shape[1], weight.shape[0], x.rows)
        var dx: Tensor? = nil, dw: Tensor? = nil, db: Tensor? = nil
        if needs.input(0) {
            let grad = Tensor(zeros: x.shape)
            // dx = g·W: (rows, out) · (out, in)
            for r in 0..<rows {
                for i in 0..<inFeatures {
                    var sum: Float = 0
                    for o in 0..<outFeatures { sum += g.data[r * outFeatures + o] * weight.data[o * inFeatures + i] }
                    counters.inputGradientMacs += outFeatures
                    grad.data[r * inFeatures + i] = sum
                }
            }
            dx = grad
        }
        if needs.parameters {
            let grad = Tensor(zeros: weight.shape)
            // dW = gᵀ·x: (out, rows) · (rows, in)
            for o in 0..<outFeatures {
                for i in 0..<inFeatures {
                    var sum: Float = 0
                    for r in 0..<rows { sum += g.data[r * outFeatures + o] * x.data[r * inFeatures + i] }
                    counters.weightGradientMacs += rows
                    grad.data[o * inFeatures + i] = sum
                }
            }
            dw = grad
            if bias {
                let sums = Tensor(zeros: [outFeatures])
                for r in 0..<rows {
                    for o in 0..<outFeatures { sums.data[o] += g.data[r * outFeatures + o] }
                    counters.elementwise += outFeatures
                }
                db = sums
            }
        }
        return (dx, dw, db)
    }
}

extension OptimizedKernels {
    /// Two GEMMs reading their operands transposed in place, and the bias gradient as row sums
    /// 16 lanes at a time; the MACs are the GEMMs' counts of the tiles they ran.
    func linearBackward(
        _ g: Tensor, input x: Tensor, weight: Tensor, bias: Bool, needs: GradientNeeds, threads: Int,
        _ counters: inout BackwardCounters
    ) -> (input: Tensor?, weight: Tensor?, bias: Tensor?) {
        let (inFeatures, outFeatures, rows) = (weight.shape[1], weight.shape[0], x.rows)
        var dx: Tensor? = nil, dw: Tensor? = nil, db: Tensor? = nil
        if needs.input(0) {
            let grad = Tensor(uninitialized: x.shape)
            // (rows, out) · (out, in)
            counters.inputGradientMacs += GEMM.multiply(
                m: rows, n: inFeatures, k: outFeatures, a: g.data, aRowStride: outFeatures, aColStride: 1,
                b: weight.data, bRowStride: inFeatures, bColStride: 1, c: grad.data, cRowStride: inFeatures,
                threads: threads)
            dx = grad
        }
        if needs.parameters {
            let grad = Tensor(uninitialized: weight.shape)
            // (out, rows) · (rows, in): g's rows read as columns.
            counters.weightGradientMacs += GEMM.multiply(
                m: outFeatures, n: inFeatures, k: rows, a: g.data, aRowStride: 1, aColStride: outFeatures,
                b: x.data, bRowStride: inFeatures, bColStride: 1, c: grad.data, cRowStride: inFeatures,
                threads: threads)
            dw = grad
            if bias {
                let sums = Tensor(zeros: [outFeatures])
                for r in 0..<rows {
                    counters.elementwise += Rows.zip(sums.data, g.data + r * outFeatures, sums.data, count: outFeatures, +)
                }
                db = sums
            }
        }
        return (dx, dw, db)
    }
}
