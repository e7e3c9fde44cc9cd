import SizeAlgebra

/// A shape that an op cannot accept, described for the user (the builder adds the scope path).
public struct ShapeError: Error, Equatable, Sendable {
    public let message: String
    public init(_ message: String) { self.message = message }
}

/// An equality between sizes that holds only for some values of B, H, W. Symbolic graphs record
/// these; evaluating at a size checks them.
public struct Constraint: Hashable, Sendable {
    public let path: String
    public let lhs: Expr
    public let rhs: Expr
    /// What must agree, e.g. "token count of the input and of the position embedding".
    public let what: String
}

/// Collects the size checks of one shape inference.
struct ShapeChecker {
    var deferred: [(lhs: Expr, rhs: Expr, what: String)] = []

    /// Requires `a == b`: passes when equal, fails when the difference is a nonzero constant,
    /// and otherwise defers the check to evaluation.
    mutating func equal(_ a: Expr, _ b: Expr, _ what: @autoclosure () -> String) throws(ShapeError) {
        if a == b { return }
        let difference = a - b
        if difference.isConstant || (a.isConstant && b.isConstant) {
            throw ShapeError("\(what()): \(a) ≠ \(b)")
        }
        deferred.append((a, b, what()))
    }

    /// Requires a constant size to be at least 1 (symbolic sizes are checked at evaluation).
    func positive(_ size: Expr, _ what: @autoclosure () -> String) throws(ShapeError) {
        if let value = size.constant, value < 1 {
            throw ShapeError("\(what()) would be \(value)")
        }
    }

    func rank(_ shape: [Expr], _ expected: Int, _ layout: String) throws(ShapeError) {
        if shape.count != expected {
            throw ShapeError("expects a rank-\(expected) input \(layout), got rank \(shape.count) \(format(shape))")
        }
    }
}

/// `[1, 197, 384]`-style rendering of a shape.
public func format(_ shape: [Expr]) -> String {
    "[" + shape.map(\.description).joined(separator: ", ") + "]"
}

extension Op {
    /// How many inputs the op takes.
    public var arity: Int {
        switch self {
        case .input, .learnedTokens: 0
        case .add, .attentionScores, .attentionContext: 2
        case .average, .concat: -1
        default: 1
        }
    }

    /// The output shape for `inputs`, with the checks the op makes on them.
    /// - Parameters:
    ///   - inputs: the shapes of the op's inputs, in order.
    ///   - size: the graph's batch, height and width.
    func inferShape(_ inputs: [[Expr]], size: (batch: Expr, height: Expr, width: Expr),
                    checker: inout ShapeChecker) throws(ShapeError) -> [Expr] {
        if arity >= 0, inputs.count != arity {
            throw ShapeError("takes \(arity) input(s), got \(inputs.count)")
        }
        if arity < 0, inputs.isEmpty { throw ShapeError("takes at least one input") }
        let x = inputs.first ?? []
        switch self {
        case .input(let channels):
            return [size.batch, Expr(channels), size.height, size.width]

        case .conv2d(let conv):
            try checker.rank(x, 4, "(B, C, H, W)")
            try checker.equal(x[1], Expr(conv.inChannels), "input channels")
            if conv.groups < 1 || conv.inChannels % conv.groups != 0 || conv.outChannels % conv.groups != 0 {
                throw ShapeError("\(conv.inChannels) input and \(conv.outChannels) output channels are not both "
                                 + "divisible by \(conv.groups) groups")
            }
            let h = conv.window.outputHeight(x[2]), w = conv.window.outputWidth(x[3])
            try checker.positive(h, "output height for input height \(x[2]) with \(conv.window.summary)")
            try checker.positive(w, "output width for input width \(x[3]) with \(conv.window.summary)")
            return [x[0], Expr(conv.outChannels), h, w]

        case .linear(let linear):
            guard let last = x.last else { throw ShapeError("expects an input of rank ≥ 1") }
            try checker.equal(last, Expr(linear.inFeatures), "input features")
            return x.dropLast() + [Expr(linear.outFeatures)]

        case .layerNorm(let channels, _):
            guard let last = x.last else { throw ShapeError("expects an input of rank ≥ 1") }
            try checker.equal(last, Expr(channels), "normalized size")
            return x

        case .batchNorm(let channels, _):
            try checker.rank(x, 4, "(B, C, H, W)")
            try checker.equal(x[1], Expr(channels), "channels")
            return x

        case .activation, .softmax:
            return x

        case .add, .average:
            for (index, other) in inputs.enumerated().dropFirst() where other.count != x.count {
                throw ShapeError("input \(index) has shape \(format(other)), input 0 has \(format(x))")
            }
            for other in inputs.dropFirst() {
                for axis in x.indices { try checker.equal(other[axis], x[axis], "axis \(axis) of the operands") }
            }
            return x

        case .learnedTokens(let count, let channels):
            return [size.batch, Expr(count), Expr(channels)]

        case .positionEmbedding(let shape, _):
            guard x.count == shape.count + 1 else {
                throw ShapeError("embedding of shape \(format(shape)) does not fit input \(format(x))")
            }
            for axis in shape.indices {
                let what = x.count == 3 && axis == 0
                    ? "input tokens and table length (the table is sized for the image when the model is built)"
                    : "axis \(axis + 1) of the input and of the position embedding (fixed when the model is built)"
                try checker.equal(x[axis + 1], shape[axis], what)
            }
            return x

        case .concat(let axis):
            guard axis >= 0, axis < x.count else { throw ShapeError("axis \(axis) out of range for \(format(x))") }
            var total = Expr.zero
            for other in inputs {
                guard other.count == x.count else {
                    throw ShapeError("inputs of different rank: \(format(x)) and \(format(other))")
                }
                for index in x.indices where index != axis {
                    try checker.equal(other[index], x[index], "axis \(index) of the concatenated inputs")
                }
                total += other[axis]
            }
            var shape = x
            shape[axis] = total
            return shape

        case .slice(let axis, let start, let length):
            guard axis >= 0, axis < x.count else { throw ShapeError("axis \(axis) out of range for \(format(x))") }
            let end = start + length
            if let e = end.constant, let n = x[axis].constant, e > n {
                throw ShapeError("slice \(start)..<\(end) exceeds axis \(axis) of size \(n)")
            }
            var shape = x
            shape[axis] = length
            return shape

        case .tokensToImage(let height, let width):
            try checker.rank(x, 3, "(B, N, C)")
            try checker.equal(x[1], height * width, "token count and grid \(height)×\(width)")
            return [x[0], x[2], height, width]

        case .imageToTokens:
            try checker.rank(x, 4, "(B, C, H, W)")
            return [x[0], x[2] * x[3], x[1]]

        case .unfold(let window):
            try checker.rank(x, 4, "(B, C, H, W)")
            let h = window.outputHeight(x[2]), w = window.outputWidth(x[3])
            try checker.positive(h, "output height for input height \(x[2]) with \(window.summary)")
            try checker.positive(w, "output width for input width \(x[3]) with \(window.summary)")
            return [x[0], h * w, x[1] * Expr(window.kernelHeight * window.kernelWidth)]

        case .attentionScores(let heads, _):
            let k = inputs[1]
            try checker.rank(x, 3, "q (B, N, C)")
            try checker.rank(k, 3, "k (B, N, C)")
            try checker.equal(k[2], x[2], "q and k widths")
            try checker.equal(k[0], x[0], "q and k batch")
            try divisible(x[2], heads)
            return [x[0], Expr(heads), x[1], k[1]]

        case .attentionContext(let heads):
            let v = inputs[1]
            try checker.rank(x, 4, "attn (B, h, Nq, Nk)")
            try checker.rank(v, 3, "v (B, Nk, C)")
            try checker.equal(x[1], Expr(heads), "attention heads")
            try checker.equal(x[3], v[1], "attended tokens and value tokens")
            try divisible(v[2], heads)
            return [x[0], x[2], v[2]]

        case .performerAttention:
            try checker.rank(x, 3, "kqv (B, T, 3e)")
            guard let width = x[2].constant, width % 3 == 0 else {
                throw ShapeError("kqv width \(x[2]) is not a multiple of 3")
            }
            return [x[0], x[1], Expr(width / 3)]

        case .maxPool2d(let window):
            try checker.rank(x, 4, "(B, C, H, W)")
            let h = window.outputHeight(x[2]), w = window.outputWidth(x[3])
            try checker.positive(h, "output height for input height \(x[2]) with \(window.summary)")
            try checker.positive(w, "output width for input width \(x[3]) with \(window.summary)")
            return [x[0], x[1], h, w]

        case .globalAveragePool:
            try checker.rank(x, 4, "(B, C, H, W)")
            return [x[0], x[1]]

        case .meanTokens:
            try checker.rank(x, 3, "(B, N, C)")
            return [x[0], x[2]]

        case .selectToken(let index):
            try checker.rank(x, 3, "(B, N, C)")
            if let n = x[1].constant, index >= n {
                throw ShapeError("token \(index) requested from \(n) tokens")
            }
            return [x[0], x[2]]
        }
    }

    private func divisible(_ width: Expr, _ heads: Int) throws(ShapeError) {
        guard heads > 0, let w = width.constant, w % heads == 0 else {
            throw ShapeError("width \(width) is not divisible by \(heads) heads")
        }
    }
}
