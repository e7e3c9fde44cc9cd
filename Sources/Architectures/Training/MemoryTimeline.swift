import SizeAlgebra

/// The tensors of one training step that come and go, each with the steps it is alive in: the
/// storages kept for backward, the forward's other outputs, the activation gradients and, with
/// block checkpointing, what each block's forward keeps again when it is recomputed.
///
/// Steps are node indices. In the forward, step `t` is node `t` running; in the backward, step
/// `t` is node `t`'s backward running (the backward visits them from the last to the first).
/// Sizes are expressions, so one timeline serves every batch of a graph symbolic in B.
public struct MemoryTimeline: Sendable {
    /// What a buffer is, for the breakdown of a peak.
    public enum Kind: Int, CaseIterable, Sendable {
        /// A storage kept from forward to backward.
        case saved
        /// A forward output nothing keeps, alive from its node to its last reader.
        case output
        /// The gradient of a node's output.
        case gradient
        /// A storage a checkpointed block keeps again while its backward runs.
        case recomputed
    }

    /// One buffer and the steps it is alive in (inclusive ranges of node indices), in the
    /// forward, the backward or both.
    public struct Buffer: Hashable, Sendable {
        public let kind: Kind
        public let bytes: Expr
        public let forward: ClosedRange<Int>?
        public let backward: ClosedRange<Int>?

        public init(kind: Kind, bytes: Expr, forward: ClosedRange<Int>? = nil, backward: ClosedRange<Int>? = nil) {
            self.kind = kind
            self.bytes = bytes
            self.forward = forward
            self.backward = backward
        }
    }

    /// Steps (nodes) in one pass.
    public let steps: Int
    public let buffers: [Buffer]

    public init(steps: Int, buffers: [Buffer]) {
        self.steps = steps
        self.buffers = buffers
    }

    /// The most bytes alive at once in one pass, where, and of what.
    public struct Peak: Hashable, Sendable {
        /// The step (node index) of the peak; the first such step of the forward, the first
        /// the backward reaches (the highest index) of the backward.
        public let step: Int
        public let bytes: Int
        /// ``bytes`` by ``Kind`` (indexed by its raw value).
        public let byKind: [Int]

        public func bytes(_ kind: Kind) -> Int { byKind[kind.rawValue] }
    }

    /// The forward's and the backward's peaks at `binding`.
    /// - Throws: ``EvaluationError/overflow`` when a size or a sum does not fit in `Int`.
    public func peaks(at binding: Binding) throws(EvaluationError) -> (forward: Peak, backward: Peak) {
        let kinds = Kind.allCases.count
        // Difference arrays per kind: `+bytes` at the first step, `-bytes` after the last.
        var forward = Array(repeating: Array(repeating: 0, count: steps + 1), count: kinds)
        var backward = forward
        func add(_ value: Int, _ range: ClosedRange<Int>, into table: inout [[Int]], kind: Int) throws(EvaluationError) {
            table[kind][range.lowerBound] = try Self.sum(table[kind][range.lowerBound], value)
            table[kind][range.upperBound + 1] = try Self.sum(table[kind][range.upperBound + 1], -value)
        }
        for buffer in buffers {
            let bytes = try buffer.bytes.evaluate(binding)
            if let range = buffer.forward { try add(bytes, range, into: &forward, kind: buffer.kind.rawValue) }
            if let range = buffer.backward { try add(bytes, range, into: &backward, kind: buffer.kind.rawValue) }
        }
        return (try Self.peak(forward, steps: steps, descending: false), try Self.peak(backward, steps: steps, descending: true))
    }

    /// The largest running total over the steps, visited in ascending or descending order.
    private static func peak(_ table: [[Int]], steps: Int, descending: Bool) throws(EvaluationError) -> Peak {
        // Alive at step s = sum of the differences at steps ≤ s.
        var running = Array(repeating: 0, count: table.count)
        var alive: [[Int]] = []
        alive.reserveCapacity(steps)
        for step in 0..<steps {
            for kind in table.indices { running[kind] = try sum(running[kind], table[kind][step]) }
            alive.append(running)
        }
        var best = Peak(step: descending ? steps - 1 : 0, bytes: -1, byKind: running.map { _ in 0 })
        for step in descending ? Array((0..<steps).reversed()) : Array(0..<steps) {
            var total = 0
            for value in alive[step] { total = try sum(total, value) }
            if total > best.bytes { best = Peak(step: step, bytes: total, byKind: alive[step]) }
        }
        return steps == 0 ? Peak(step: 0, bytes: 0, byKind: running) : best
    }

    static func sum(_ a: Int, _ b: Int) throws(EvaluationError) -> Int {
        let (value, overflow) = a.addingReportingOverflow(b)
        if overflow { throw .overflow }
        return value
    }
}
