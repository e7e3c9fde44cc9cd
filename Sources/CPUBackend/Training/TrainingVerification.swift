import ArchGraph
import SizeAlgebra

/// The comparison of one training step's analysis with its execution, node by node: whether
/// autograd records the node, the backward's input- and weight-gradient MACs and elementwise
/// work, the forward MACs run again, and the bytes of the storages the node keeps; then the
/// distinct saved bytes of the whole step.
public struct TrainingVerification: Sendable {
    public let mismatches: [Mismatch]
    /// Executed totals: backward MACs (input and weight gradients), recompute MACs, saved bytes.
    public let backwardMacs: Int, recomputeMacs: Int, savedBytes: Int
    /// The attention the step ran and was analysed with.
    public let attention: AttentionImplementation
    public var matches: Bool { mismatches.isEmpty }

    /// - Parameters:
    ///   - analysis: the step analysed at the graph's concrete size, in float32 with the CPU's
    ///     rules and no dropout (what the backend executes).
    ///   - execution: what running the step recorded.
    public init(analysis: TrainingAnalysis, execution: TrainingExecution) {
        let graph = analysis.graph
        attention = analysis.setup.attention
        let binding = Binding(
            batch: graph.batch.constant ?? 0, height: graph.height.constant ?? 0, width: graph.width.constant ?? 0)
        func value(_ e: Expr) -> String { (try? e.evaluate(binding)).map(String.init) ?? e.description }
        var mismatches: [Mismatch] = []
        for (node, (planned, ran)) in zip(graph.nodes, zip(analysis.nodes, execution.nodes)) {
            func check(_ what: String, _ analytic: String, _ executed: String) {
                if analytic != executed {
                    mismatches.append(Mismatch(path: node.path, what: what, analytic: analytic, executed: executed))
                }
            }
            check("requires_grad", String(planned.requiresGradient), String(ran.requiresGradient))
            check("input_grad_macs", value(planned.backward.inputGradientMacs), String(ran.backward.inputGradientMacs))
            check("weight_grad_macs", value(planned.backward.weightGradientMacs), String(ran.backward.weightGradientMacs))
            check("backward_elementwise", value(planned.backward.elementwise), String(ran.backward.elementwise))
            check("recompute_macs", value(planned.recomputeMacs), String(ran.recomputeMacs))
            let plannedBytes = planned.kept.map { value(analysis.storages[$0].bytes) }.sorted()
            let keptBytes = ran.kept.map { String($0.bytes) }.sorted()
            check("kept_bytes", plannedBytes.joined(separator: " + "), keptBytes.joined(separator: " + "))
        }
        if graph.nodes.count != execution.nodes.count {
            mismatches.append(
                Mismatch(
                    path: "graph", what: "nodes", analytic: String(graph.nodes.count), executed: String(execution.nodes.count)))
        }
        let saved = value(analysis.savedBytes)
        if saved != String(execution.savedBytes) {
            mismatches.append(Mismatch(path: "step", what: "saved_bytes", analytic: saved, executed: String(execution.savedBytes)))
        }
        self.mismatches = mismatches
        backwardMacs = execution.backward.macs
        recomputeMacs = execution.recomputeMacs
        savedBytes = execution.savedBytes
    }
}
