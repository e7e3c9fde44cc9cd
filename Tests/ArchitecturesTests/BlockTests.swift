import ArchGraph
import Architectures
import CPUBackend
import TestSupport
import Testing

/// The blocks the builders mark are the groups the depth tables have always shown.
@Suite("graph blocks")
struct BlockTests {
    /// The grouping the depth profile made from scope paths before the graph recorded blocks:
    /// nodes at least three path parts deep in transformer, tokens-to-token and conv stages, by
    /// their first two parts, in order of first appearance.
    static func pathGroups(_ graph: Graph) -> [(path: String, nodes: [Int])] {
        let mixing: Set<StageKind> = [.transformer, .tokensToToken, .conv]
        var groups: [(path: String, nodes: [Int])] = []
        for node in graph.nodes where mixing.contains(graph.stages[node.stage].kind) {
            let parts = node.path.split(separator: "/")
            guard parts.count >= 3 else { continue }
            let key = String(parts[0]) + "/" + String(parts[1])
            if let at = groups.firstIndex(where: { $0.path == key }) {
                groups[at].nodes.append(node.index)
            } else {
                groups.append((key, [node.index]))
            }
        }
        return groups
    }

    static func blockGroups(_ graph: Graph) -> [(path: String, nodes: [Int])] {
        graph.blocks.indices.map { b in (graph.blocks[b].path, graph.nodes.filter { $0.block == b }.map(\.index)) }
    }

    @Test func blocksAreThePathGroupsOfEveryModel() throws {
        var generator = SeededGenerator(seed: 5)
        for spec in Zoo.all + VitPytorch.examples + (0..<30).map({ _ in RandomSpecs.make(&generator) }) {
            guard let graph = try? spec.graph(batch: 1) else { continue }
            let expected = Self.pathGroups(graph), actual = Self.blockGroups(graph)
            #expect(actual.map(\.path) == expected.map(\.path), "\(spec.name)")
            #expect(actual.map(\.nodes) == expected.map(\.nodes), "\(spec.name)")
            for node in graph.nodes { if let b = node.block { #expect(graph.blocks[b].stage == node.stage, "\(node.path)") } }
        }
    }

    @Test func pitMarksEachTransformerBlock() throws {
        let graph = try #require(Zoo.preset("pit_s_224")).graph(batch: 1)
        #expect(
            graph.blocks.map(\.path) == (0..<2).map { "stage1/block\($0)" } + (0..<6).map { "stage2/block\($0)" }
                + (0..<4).map { "stage3/block\($0)" })
        #expect(
            graph.blocks.map { graph.stages[$0.stage].name } == Array(repeating: "stage1", count: 2)
                + Array(repeating: "stage2", count: 6) + Array(repeating: "stage3", count: 4))
    }
}
