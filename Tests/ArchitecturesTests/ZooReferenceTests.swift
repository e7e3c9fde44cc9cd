import ArchGraph
import Foundation
import SizeAlgebra
import Testing

@testable import Architectures

/// Totals of every preset at its default size and batch 1, as the reference implementations
/// report them: params and trainable params by summing `numel()`, MACs from
/// `torch.utils.flop_counter.FlopCounterMode` (÷ 2), fvcore from `FlopCountAnalysis.total()`
/// (timm attention unfused). Produced by `scripts/reference_counts.py`; see
/// `Tests/Fixtures/reference-counts.json` for the other sizes.
let referenceTotals: [(name: String, params: Int, trainable: Int, macs: Int, fvcore: Int)] = [
    ("vit_tiny_patch16_224", 5717416, 5717416, 1253683200, 1258411200),
    ("vit_small_patch16_224", 22050664, 22050664, 4598882304, 4608338304),
    ("vit_base_patch16_224", 86567656, 86567656, 17563828224, 17582740224),
    ("vit_base_patch32_224", 88224232, 88224232, 4409186304, 4413986304),
    ("vit_large_patch16_224", 304326632, 304326632, 61554712576, 61604135936),
    ("vit_huge_patch14_224", 630764800, 630764800, 167293829120, 167400741120),
    ("vit_base_patch16_384", 86859496, 86859496, 55484350464, 55539742464),
    ("vit_large_patch16_384", 304715752, 304715752, 191066300416, 191211058176),
    ("deit_tiny_patch16_224", 5717416, 5717416, 1253683200, 1258411200),
    ("deit_small_patch16_224", 22050664, 22050664, 4598882304, 4608338304),
    ("deit_base_patch16_224", 86567656, 86567656, 17563828224, 17582740224),
    ("deit_base_patch16_384", 86859496, 86859496, 55484350464, 55539742464),
    ("deit_tiny_distilled_patch16_224", 5910800, 5910800, 1261003776, 1265755776),
    ("deit_small_distilled_patch16_224", 22436432, 22436432, 4624140288, 4633644288),
    ("deit_base_distilled_patch16_224", 87338192, 87338192, 17656811520, 17675819520),
    ("deit_base_distilled_patch16_384", 87630032, 87630032, 55591342080, 55646830080),
    ("pit_ti_224", 4847272, 4847272, 699059456, 702020096),
    ("pit_xs_224", 10618888, 10618888, 1394699136, 1399140096),
    ("pit_s_224", 23461912, 23461912, 2870796096, 2877457536),
    ("pit_b_224", 73764840, 73764840, 12401916928, 12419867648),
    ("pit_ti_distilled_224", 5104336, 5104336, 704967680, 707948800),
    ("pit_xs_distilled_224", 11003984, 11003984, 1406909952, 1411381632),
    ("pit_s_distilled_224", 24039056, 24039056, 2896646400, 2903353920),
    ("pit_b_distilled_224", 74790096, 74790096, 12482355712, 12500390912),
    ("t2t_vit_7", 4310222, 4255694, 1146863616, 1156470316),
    ("t2t_vit_10", 5889230, 5834702, 1516328448, 1527448108),
    ("t2t_vit_12", 6941902, 6887374, 1762638336, 1774766636),
    ("t2t_vit_14", 21545550, 21465806, 4783468544, 4800261804),
    ("t2t_vit_19", 39177422, 39085070, 8479682176, 8502716396),
    ("t2t_vit_24", 64105934, 64000974, 13661874688, 13692410668),
    ("t2t_vit_t_14", 21541070, 21465422, 6088721920, 6105508160),
    ("t2t_vit_t_19", 39172942, 39084686, 9784935552, 9807962752),
    ("t2t_vit_t_24", 64101454, 64000590, 14967128064, 14997657024),
    ("cvt_13", 19997480, 19997480, 4566089216, 4584573392),
    ("cvt_21", 31622696, 31622696, 7177985024, 7206283808),
    ("cvt_w24", 277196392, 277196392, 194221654016, 194486638720),
    ("swin_tiny_patch4_window7_224", 28288354, 28288354, 4490566656, 4509194496),
    ("swin_small_patch4_window7_224", 49606258, 49606258, 8740875264, 8768534784),
    ("swin_base_patch4_window7_224", 87768224, 87768224, 15430946816, 15467826176),
    ("swin_large_patch4_window7_224", 196532476, 196532476, 34475759616, 34531078656),
    ("swin_base_patch4_window12_384", 87903584, 87903584, 47083134976, 47191515136),
    ("resnet50", 25557032, 25557032, 4089184256, 4111512576),
]

/// fvcore's count for one `torch.einsum` outside its two special-cased equations: numpy's
/// `einsum_path` prints the FLOP count `2·macs` with `%.3e` (four significant digits, ties to
/// even), and fvcore halves and floors what it parses back.
func fvcoreEinsum(_ macs: Int) -> Int {
    let flops = 2 * macs
    var exponent = 0
    var t = flops
    while t >= 10 { t /= 10; exponent += 1 }
    guard exponent > 3 else { return flops / 2 }
    var unit = 1
    for _ in 0..<(exponent - 3) { unit *= 10 }
    let (q, r) = flops.quotientAndRemainder(dividingBy: unit)
    let rounded = 2 * r > unit || (2 * r == unit && q % 2 == 1) ? q + 1 : q
    return rounded * unit / 2
}

/// Whether the reference implementation computes q·kᵀ and attn·v with `torch.einsum` in
/// equations fvcore does not special-case: microsoft/CvT, and vit-pytorch's PiT and CvT.
func einsumAttention(_ spec: ModelSpec) -> Bool {
    switch spec.config {
    case .cvt, .vitPytorch(.pit), .vitPytorch(.cvt): true
    default: false
    }
}

/// What fvcore reports for a graph of the reference implementations: our exact count with each
/// einsum-implemented product replaced by fvcore's rounded count of it. CvT computes attention
/// with einsum (see ``einsumAttention(_:)``); T2T's Performer uses four einsums, one of which
/// ('bin,bim->bnm') fvcore special-cases exactly.
func fvcoreAsReported(_ graph: Graph, spec: ModelSpec, binding: Binding) throws -> Int {
    var total = try graph.totalCost.fvcore.evaluate(binding)
    let einsum = einsumAttention(spec)
    for node in graph.nodes {
        switch node.op {
        case .attentionScores where einsum, .attentionContext where einsum:
            let exact = try node.cost.macs.evaluate(binding)
            total += fvcoreEinsum(exact) - exact
        case .performerAttention(let m):
            let tokens = try (node.shape[0] * node.shape[1]).evaluate(binding)
            let e = try node.shape[2].evaluate(binding)
            for part in [tokens * m * e, tokens * m * e, tokens * m, tokens * m * e] {
                total += fvcoreEinsum(part) - part
            }
        case .attentionScores, .attentionContext, .input, .conv2d, .linear, .layerNorm, .batchNorm, .activation, .add,
            .average, .learnedTokens, .positionEmbedding, .concat, .slice, .tokensToImage, .imageToTokens, .unfold,
            .softmax, .maxPool2d, .globalAveragePool, .meanTokens, .selectToken, .roll, .windowPartition, .windowMerge,
            .patchMerge, .relativePositionBias, .windowMask, .headLayerNorm, .layerScale, .maxTokens:
            break
        }
    }
    return total
}

@Suite("Zoo against the reference implementations")
struct ZooReferenceTests {
    @Test func everyPresetHasAReferenceRow() {
        #expect(Zoo.names == referenceTotals.map(\.name))
    }

    @Test(arguments: referenceTotals)
    func defaultSizeTotals(_ row: (name: String, params: Int, trainable: Int, macs: Int, fvcore: Int)) throws {
        let spec = try #require(Zoo.preset(row.name))
        let analysis = try spec.analyze()
        let totals = analysis.summary.totals
        #expect(totals.params == row.params)
        #expect(totals.trainableParams == row.trainable)
        #expect(totals.macs == row.macs)
        #expect(totals.flops == 2 * row.macs)
        let reported = try fvcoreAsReported(analysis.graph, spec: spec, binding: analysis.summary.binding)
        #expect(reported == row.fvcore)
        // What `list` prints, summed by a builder that keeps no node: every total alike.
        #expect(try spec.totals() == totals)
    }

    /// `list`'s totals (no node kept) and `analyze` (the whole graph) agree on every count at
    /// other sizes, and fail with the same error where the model does not build.
    @Test func totalsWithoutNodesAgreeWithTheGraph() throws {
        let builds: [(String, Overrides)] = [
            ("vit_small_patch16_224", Overrides(imageSize: ImageSize(height: 200, width: 200), batch: 3)),
            ("cvt_13", Overrides(imageSize: ImageSize(height: 3, width: 3))),
            ("resnet50", Overrides(imageSize: ImageSize(height: 1, width: 1), batch: 2)),
            ("swin_tiny_patch4_window7_224", Overrides(imageSize: ImageSize(height: 448, width: 448), numClasses: 0)),
        ]
        for (name, overrides) in builds {
            let spec = try #require(Zoo.preset(name))
            #expect(try spec.totals(overrides) == spec.analyze(overrides).summary.totals, "\(name)")
        }
        let fails: [(String, Overrides)] = [
            ("pit_s_224", Overrides(imageSize: ImageSize(height: 10, width: 10))),
            ("swin_tiny_patch4_window7_224", Overrides(imageSize: ImageSize(height: 100, width: 100))),
            ("swin_tiny_patch4_window7_224", Overrides(imageSize: ImageSize(height: 30, width: 30))),
            ("t2t_vit_14", Overrides(imageSize: ImageSize(height: 5, width: 5))),
            ("vit_huge_patch14_224", Overrides(imageSize: ImageSize(height: 65536, width: 65536), batch: 1 << 20)),
            ("vit_small_patch16_224", Overrides(batch: 0)),
        ]
        for (name, overrides) in fails {
            let spec = try #require(Zoo.preset(name))
            let analyzed = #expect(throws: SpecError.self) { try spec.analyze(overrides) }
            let listed = #expect(throws: SpecError.self) { try spec.totals(overrides) }
            #expect(analyzed != nil && listed == analyzed, "\(name)")
        }
    }

    /// Exact fvcore-convention totals where fvcore's own count is rounded (einsum attention).
    @Test func exactFvcoreWhereFvcoreRounds() throws {
        let expected = [("cvt_13", 4_584_569_216), ("t2t_vit_14", 4_800_254_784), ("t2t_vit_7", 1_156_463_296)]
        for (name, fvcore) in expected {
            #expect(try Zoo.preset(name)!.analyze().summary.totals.fvcore == fvcore)
        }
    }

    @Test func otherSizesMatchTheFixture() throws {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Fixtures/reference-counts.json")
        let root = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: url)) as? [String: Any])
        let presets = try #require(root["presets"] as? [String: [String: Any]])
        var checked = 0
        for spec in Zoo.all {
            let sizes = try #require(presets[spec.name]?["sizes"] as? [String: [String: Any]])
            for (key, values) in sizes.sorted(by: { $0.key < $1.key }) where values["params"] != nil {
                // `HxW`, or for Swin `HxW-windowN`: built with img_size and window_size=N.
                let (sizeKey, window) = key.split(separator: "-window").map(String.init).splitWindow
                let parts = sizeKey.split(separator: "x").compactMap { Int($0) }
                let size = ImageSize(height: parts[0], width: parts[1])
                var sized = spec
                if let window, case .swin(var c) = spec.config {
                    c.windowSize = Array(repeating: window, count: c.depths.count)
                    sized.config = .swin(c)
                }
                let analysis = try sized.analyze(Overrides(imageSize: size))
                let t = analysis.summary.totals
                #expect(t.params == values["params"] as? Int, "\(spec.name) \(key)")
                #expect(t.trainableParams == values["trainable_params"] as? Int, "\(spec.name) \(key)")
                #expect(t.macs == values["macs"] as? Int, "\(spec.name) \(key)")
                let reported = try fvcoreAsReported(analysis.graph, spec: spec, binding: analysis.summary.binding)
                #expect(reported == values["fvcore"] as? Int, "\(spec.name) \(key)")
                checked += 1
            }
        }
        // 42 presets × 3 sizes, less the 9 non-square T2T-ViT sizes the reference cannot run.
        #expect(checked == 117)
    }

    @Test func batchScalesCountsButNotParameters() throws {
        let spec = try #require(Zoo.preset("pit_s_224"))
        let one = try spec.analyze().summary.totals
        let two = try spec.analyze(Overrides(batch: 2)).summary.totals
        #expect(two.params == one.params)
        #expect(two.macs == 5_741_592_192)
        #expect(two.fvcore == 2 * one.fvcore)
    }
}

extension [String] {
    /// `["256x256", "8"]` → `("256x256", 8)`; `["448x448"]` → `("448x448", nil)`.
    fileprivate var splitWindow: (String, Int?) { (self[0], count > 1 ? Int(self[1]) : nil) }
}
