import ArchGraph
import SizeAlgebra

/// A difference between what the analytic graph says about a node and what running it did.
public struct Mismatch: Hashable, Sendable {
    /// The node's scope path.
    public let path: String
    /// `shape`, `params`, `macs` or `elementwise`.
    public let what: String
    public let analytic: String
    public let executed: String

    public init(path: String, what: String, analytic: String, executed: String) {
        self.path = path
        self.what = what
        self.analytic = analytic
        self.executed = executed
    }
}

/// The comparison of one model's analytic graph with its execution.
public struct Verification: Sendable {
    public let nodes: Int
    public let mismatches: [Mismatch]
    /// Executed totals, summed over the nodes.
    public let params: Int, macs: Int, elementwise: Int
    public var matches: Bool { mismatches.isEmpty }

    /// Compares, node by node, produced shape with inferred shape, allocated parameter elements
    /// with counted parameters, and the kernels' MACs and elementwise counts with the cost model.
    /// - Parameters:
    ///   - graph: the concrete graph that was run.
    ///   - execution: what running it recorded.
    public init(graph: Graph, execution: Execution) {
        var mismatches: [Mismatch] = []
        for (node, run) in zip(graph.nodes, execution.nodes) {
            func check(_ what: String, _ analytic: String, _ executed: String) {
                if analytic != executed {
                    mismatches.append(Mismatch(path: node.path, what: what, analytic: analytic, executed: executed))
                }
            }
            check("shape", Self.render(node.shape), "[" + run.shape.map(String.init).joined(separator: ", ") + "]")
            check("params", node.cost.params.description, String(run.parameterElements))
            check("macs", node.cost.macs.description, String(run.counters.macs))
            check("elementwise", node.cost.elementwise.description, String(run.counters.elementwise))
        }
        if graph.nodes.count != execution.nodes.count {
            mismatches.append(
                Mismatch(
                    path: "graph", what: "nodes", analytic: String(graph.nodes.count),
                    executed: String(execution.nodes.count)))
        }
        nodes = execution.nodes.count
        self.mismatches = mismatches
        params = execution.nodes.reduce(0) { $0 + $1.parameterElements }
        macs = execution.nodes.reduce(0) { $0 + $1.counters.macs }
        elementwise = execution.nodes.reduce(0) { $0 + $1.counters.elementwise }
    }

    private static func render(_ shape: [Expr]) -> String {
        "[" + shape.map(\.description).joined(separator: ", ") + "]"
    }
}
