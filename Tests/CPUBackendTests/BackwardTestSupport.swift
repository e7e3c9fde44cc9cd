import Testing

@testable import CPUBackend

/// Gradient checks: a backward kernel's gradients against central differences of its forward,
/// under both kernel sets, whose gradients and counters must also agree with each other.
enum GradientCheck {
    static var sets: [any KernelSet & BackwardKernelSet] { [NaiveKernels(), OptimizedKernels()] }

    /// `Σ r∘y`, in double precision.
    static func loss(_ y: Tensor, _ r: Tensor) -> Double {
        var sum: Double = 0
        for i in 0..<y.count { sum += Double(y.data[i]) * Double(r.data[i]) }
        return sum
    }

    /// The central-difference gradient of `loss` with respect to `tensor`'s elements.
    static func numeric(_ tensor: Tensor, step h: Float, _ loss: () -> Double) -> [Double] {
        (0..<tensor.count).map { i in
            let value = tensor.data[i]
            tensor.data[i] = value + h
            let up = loss()
            tensor.data[i] = value - h
            let down = loss()
            tensor.data[i] = value
            return (up - down) / Double(2 * h)
        }
    }

    /// The largest `|a − n|` over the largest `|n|` (at least `floor`).
    static func error(_ analytic: Tensor, _ numeric: [Double], floor: Double = 1e-2) -> Double {
        guard analytic.count == numeric.count else { return .infinity }
        var largest = floor, difference: Double = 0
        for i in 0..<numeric.count {
            largest = max(largest, abs(numeric[i]))
            difference = max(difference, abs(Double(analytic.data[i]) - numeric[i]))
        }
        return difference / largest
    }

    /// Checks `backward`'s gradients of `tensors` against central differences of
    /// `Σ r∘forward(tensors)` (the forward by the naive kernels), for both kernel sets, and
    /// that the two sets' gradients agree and their counters are equal.
    /// - Parameters:
    ///   - tensors: the tensors differentiated (inputs and parameters), perturbed in place.
    ///   - expected: which of `tensors` get a gradient (`nil` from the backward for the others).
    ///   - backward: runs the kernel set's training forward (when it needs one) and backward
    ///     with output gradient `r`, returning one gradient per entry of `tensors`.
    /// - Returns: both sets' counters, equal when the check passes.
    @discardableResult
    static func check(
        _ tensors: [Tensor], expected: [Bool]? = nil, step h: Float = 1e-2, tolerance: Double = 3e-3,
        forward: @escaping ([Tensor]) -> Tensor,
        backward: (any KernelSet & BackwardKernelSet, Tensor, inout BackwardCounters) -> [Tensor?],
        sourceLocation: SourceLocation = #_sourceLocation
    ) -> BackwardCounters {
        let y = forward(tensors)
        let r = Tensor.random(y.shape, seed: 99, scale: 1)
        let numeric = tensors.map { tensor in Self.numeric(tensor, step: h) { loss(forward(tensors), r) } }
        var results: [(gradients: [Tensor?], counters: BackwardCounters)] = []
        for set in sets {
            var counters = BackwardCounters()
            let gradients = backward(set, r, &counters)
            results.append((gradients, counters))
            #expect(gradients.count == tensors.count, sourceLocation: sourceLocation)
            for (i, gradient) in gradients.enumerated() where i < tensors.count {
                let wanted = expected?[i] ?? true
                #expect((gradient != nil) == wanted, "gradient \(i) \(wanted ? "missing" : "unexpected")", sourceLocation: sourceLocation)
                guard let gradient else { continue }
                #expect(gradient.shape == tensors[i].shape, sourceLocation: sourceLocation)
                let e = error(gradient, numeric[i])
                #expect(e <= tolerance, "gradient \(i) of \(type(of: set)): relative error \(e)", sourceLocation: sourceLocation)
            }
        }
        #expect(results[0].counters == results[1].counters, sourceLocation: sourceLocation)
        for (a, b) in zip(results[0].gradients, results[1].gradients) {
            guard let a, let b else { continue }
            #expect(Numerics.relativeError(b, a) <= 1e-4, sourceLocation: sourceLocation)
        }
        return results[0].counters
    }

    /// Runs both kernel sets' `body` and expects equal counters and results within `tolerance`.
    static func agree(
        _ tolerance: Float = 1e-4, _ body: (any KernelSet & BackwardKernelSet, inout BackwardCounters) -> [Tensor?],
        sourceLocation: SourceLocation = #_sourceLocation
    ) {
        var naiveCounters = BackwardCounters(), fastCounters = BackwardCounters()
        let naive = body(NaiveKernels(), &naiveCounters), fast = body(OptimizedKernels(), &fastCounters)
        #expect(naiveCounters == fastCounters, sourceLocation: sourceLocation)
        #expect(naive.count == fast.count, sourceLocation: sourceLocation)
        for (a, b) in zip(naive, fast) {
            #expect((a == nil) == (b == nil), sourceLocation: sourceLocation)
            guard let a, let b else { continue }
            #expect(a.shape == b.shape, sourceLocation: sourceLocation)
            #expect(Numerics.relativeError(b, a) <= tolerance, sourceLocation: sourceLocation)
        }
    }
}
