import ArchGraph
import Dispatch
import Foundation

/// Timing and memory of repeated forward passes.
public struct ForwardBenchmark: Sendable {
    /// Wall time of each timed run, in seconds, in run order.
    public let seconds: [Double]
    /// Multiply-accumulates of one forward pass, as the kernels counted them.
    public let macs: Int
    /// Bytes of every parameter and buffer tensor (the linear weights are held packed, once).
    public let parameterBytes: Int
    /// Bytes of the largest set of activations alive at once.
    public let peakActivationBytes: Int
    /// Per op name, the median over runs of the time its nodes took, in seconds.
    public let secondsByOp: [String: Double]
    /// Growth of the process's peak resident memory from before the weights were allocated to
    /// the end of the runs, when the platform reports it (Linux).
    public let peakResidentBytes: Int?

    public var median: Double {
        let sorted = seconds.sorted()
        return sorted.count % 2 == 1 ? sorted[sorted.count / 2] : (sorted[sorted.count / 2 - 1] + sorted[sorted.count / 2]) / 2
    }

    public var minimum: Double { seconds.min() ?? 0 }
    /// Achieved GFLOP/s at the median time, counting 2 FLOPs per MAC.
    public var gflops: Double { Double(2 * macs) / median / 1e9 }

    /// Runs one untimed warm-up pass and `runs` timed passes of the graph.
    /// - Parameters:
    ///   - makeWeights: builds the weights; called after the memory baseline is read.
    public static func measure(
        graph: Graph, input: Tensor, runs: Int, threads: Int,
        makeWeights: () throws(BackendError) -> Weights
    ) throws(BackendError) -> ForwardBenchmark {
        let baseline = ResidentMemory.current()
        let weights = try makeWeights()
        let interpreter = Interpreter(graph: graph, weights: weights)
        interpreter.prepare()
        let warmUp = try interpreter.run(input, threads: threads)
        var times: [Double] = []
        var byOp: [String: [Double]] = [:]
        let names = interpreter.profileNames()
        for _ in 0..<runs {
            let start = DispatchTime.now().uptimeNanoseconds
            let execution = try interpreter.run(input, threads: threads)
            times.append(Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9)
            var sums: [String: Double] = [:]
            for (name, run) in zip(names, execution.nodes) {
                if let name { sums[name, default: 0] += run.seconds }
            }
            for (op, seconds) in sums { byOp[op, default: []].append(seconds) }
        }
        let parameterBytes = 4 * weights.elements
        let peak = ResidentMemory.peak()
        return ForwardBenchmark(
            seconds: times, macs: warmUp.nodes.reduce(0) { $0 + $1.counters.macs },
            parameterBytes: parameterBytes, peakActivationBytes: 4 * warmUp.peakActivationElements,
            secondsByOp: byOp.mapValues { $0.sorted()[$0.count / 2] },
            peakResidentBytes: baseline.flatMap { start in peak.map { max(0, $0 - start) } })
    }
}

/// The process's resident memory from `/proc/self/status` (nil elsewhere).
enum ResidentMemory {
    static func field(_ name: String) -> Int? {
        guard let text = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8) else { return nil }
        for line in text.split(separator: "\n") where line.hasPrefix(name + ":") {
            let digits = line.dropFirst(name.count + 1).filter(\.isNumber)
            return Int(digits).map { $0 * 1024 }
        }
        return nil
    }

    /// Current resident bytes (VmRSS).
    static func current() -> Int? { field("VmRSS") }
    /// Peak resident bytes so far (VmHWM).
    static func peak() -> Int? { field("VmHWM") }
}
