import ArchGraph
import Foundation

/// The memory a forward pass of a concrete graph takes, known before anything is allocated:
/// the parameters and buffers plus the largest set of activations alive at once, counted the
/// way ``Interpreter/run(_:kernels:threads:)`` frees them (a tensor lives until its last reader
/// has run; fused attention makes no scores or probabilities, and its queries and keys live
/// until its context node; the slices of a qkv projection that it reads in place make no tensor
/// and keep the projection alive until then; an activation or a residual sum run in its linear
/// layer's store shares that layer's tensor). `verify` and `bench` compare it with the memory
/// the machine has left.
public struct MemoryEstimate: Equatable, Sendable {
    /// Bytes of every parameter and buffer (float32).
    public let parameterBytes: Int
    /// Bytes of the largest set of activations alive at once (float32), as
    /// ``Execution/peakActivationElements`` will count them.
    public let peakActivationBytes: Int

    /// Both together.
    public var totalBytes: Int { parameterBytes + peakActivationBytes }

    /// - Throws: ``BackendError`` when a size is symbolic or a byte count does not fit in an `Int`.
    public init(graph: Graph) throws(BackendError) {
        func bytes(_ shape: [Int], _ node: Node) throws(BackendError) -> Int {
            var total = MemoryLayout<Float>.size
            for size in shape {
                let (product, overflow) = total.multipliedReportingOverflow(by: size)
                guard !overflow else { throw BackendError(path: node.path, message: "needs more bytes than a 64-bit integer holds") }
                total = product
            }
            return total
        }
        func add(_ a: Int, _ b: Int, _ node: Node) throws(BackendError) -> Int {
            let (sum, overflow) = a.addingReportingOverflow(b)
            guard !overflow else { throw BackendError(path: node.path, message: "needs more bytes than a 64-bit integer holds") }
            return sum
        }
        var parameters = 0
        var outputs: [Int] = []
        outputs.reserveCapacity(graph.nodes.count)
        for node in graph.nodes {
            for tensor in node.parameters + node.op.buffers {
                parameters = try add(parameters, try bytes(try Weights.concrete(tensor.shape, node), node), node)
            }
            outputs.append(try bytes(try Weights.concrete(node.shape, node), node))
        }
        // The interpreter's bookkeeping, replayed: add each output, then free every tensor whose
        // last reader this node is (the graph's output stays).
        let fused = FusedRole.groups(graph, .fused)
        let slices = Interpreter.slicesReadInPlace(graph, fused)
        let lastUse = Interpreter.lastUse(graph, fused, slices)
        // Each node run in a linear layer's store, mapped to that layer.
        let inStore = Dictionary(uniqueKeysWithValues: Interpreter.epiloguesInStore(graph).map { ($0.value, $0.key) })
        var live = 0, peak = 0
        for node in graph.nodes {
            if case .scores = fused[node.index] { continue }
            if case .softmax = fused[node.index] { continue }
            if slices[node.index] != nil { continue }
            // A node in its linear layer's store takes over that layer's tensor.
            let linear = inStore[node.index]
            if linear == nil {
                live = try add(live, outputs[node.index], node)
                peak = max(peak, live)
            }
            for i in Interpreter.reads(node, graph, fused, slices) where lastUse[i] == node.index && i != graph.nodes.count - 1 {
                if i == linear || slices[i] != nil { continue }
                live -= fused[i].map { if case .context = $0 { outputs[i] } else { 0 } } ?? outputs[i]
            }
        }
        parameterBytes = parameters
        peakActivationBytes = peak
    }

    /// Bytes the system can still give this process: the smallest of the kernel's `MemAvailable`
    /// and the room left under the process's cgroup memory limit (Linux); the physical memory
    /// elsewhere.
    public static func availableBytes() -> Int {
        let physical = Int(clamping: ProcessInfo.processInfo.physicalMemory)
        #if os(Linux)
            var available = physical
            if let text = try? String(contentsOfFile: "/proc/meminfo", encoding: .utf8) {
                for line in text.split(separator: "\n") where line.hasPrefix("MemAvailable:") {
                    if let kib = Int(line.dropFirst("MemAvailable:".count).filter(\.isNumber)) {
                        available = min(available, kib.multipliedReportingOverflow(by: 1024).partialValue)
                    }
                }
            }
            func number(_ path: String) -> Int? {
                (try? String(contentsOfFile: path, encoding: .utf8)).flatMap { Int($0.trimmingCharacters(in: .whitespacesAndNewlines)) }
            }
            if let limit = number("/sys/fs/cgroup/memory.max"), let used = number("/sys/fs/cgroup/memory.current") {
                available = min(available, max(0, limit - used))
            }
            return available
        #else
            return physical
        #endif
    }

    /// Why a run needing `self` does not fit in `available` bytes, or `nil` when it fits.
    public func shortfall(available: Int) -> String? {
        guard totalBytes > available else { return nil }
        return "needs \(Self.describe(totalBytes)): \(Self.grouped(parameterBytes)) of parameters and "
            + "\(Self.grouped(peakActivationBytes)) of activations alive at once; \(Self.describe(available)) available"
    }

    /// `1,234,567,890 bytes (1.1 GiB)`.
    public static func describe(_ bytes: Int) -> String {
        let units = [("GiB", 1 << 30), ("MiB", 1 << 20), ("KiB", 1 << 10)]
        let (unit, size) = units.first { bytes >= $0.1 } ?? ("KiB", 1 << 10)
        return "\(grouped(bytes)) bytes (\(String(format: "%.1f", Double(bytes) / Double(size))) \(unit))"
    }

    /// `1234567` → `1,234,567`.
    public static func grouped(_ value: Int) -> String {
        var digits = String(value.magnitude), grouped = ""
        while digits.count > 3 {
            grouped = "," + digits.suffix(3) + grouped
            digits.removeLast(3)
        }
        return (value < 0 ? "-" : "") + digits + grouped
    }
}
