import ArchGraph
import Architectures
import JSONOutput

extension AnalysisReport {
    static func costObject(_ c: CostValues) -> [(String, JSONText)] {
        [
            ("params", .int(c.params)), ("trainable_params", .int(c.trainableParams)), ("macs", .int(c.macs)),
            ("flops", .int(c.flops)), ("fvcore", .int(c.fvcore)), ("activations", .int(c.activations)),
            ("elementwise", .int(c.elementwise)),
        ]
    }

    static func optional(_ value: Int?) -> JSONText { value.map(JSONText.int) ?? .null }

    /// The `analyze --format json` object (see DESIGN.md's command-line contract).
    public static func json(_ a: Analysis) -> JSONText {
        let b = a.summary.binding
        var elementwise: [(String, JSONText)] = []
        for kind in ElementwiseKind.allCases { elementwise.append((kind.rawValue, .int(a.summary.elementwise[kind] ?? 0))) }
        var published: JSONText = .null
        if let p = a.spec.published {
            let check = PublishedCheck(p, params: a.summary.totals.params, macs: perImageMacs(a))
            published = .object([
                ("params_m", .double(p.paramsM)), ("gmacs", .double(p.gmacs)), ("source", .string(p.source)),
                ("params_agree", .bool(check.paramsAgree)), ("macs_agree", .bool(check.macsAgree)),
            ])
        }
        let stages: [JSONText] = a.summary.stages.map { s in
            .object(
                [
                    ("name", .string(s.name)), ("kind", .string(s.kind.rawValue)),
                    ("grid", s.grid.map { .array($0.map(JSONText.int)) } ?? .null),
                    ("spatial_tokens", optional(s.spatialTokens)), ("extra_tokens", .int(s.extraTokens)),
                    ("channels", optional(s.channels)), ("heads", optional(s.heads)), ("depth", optional(s.depth)),
                ]
                    + costObject(s.cost))
        }
        let layers: [JSONText] = a.summary.layers.map { l in
            .object(
                [
                    ("path", .string(l.path)), ("op", .string(l.op)), ("stage", .string(l.stage)),
                    ("output_shape", .array(l.outputShape.map(JSONText.int))),
                ] + costObject(l.cost))
        }
        return .object([
            ("model", .string(a.spec.name)),
            ("family", .string(a.spec.family.rawValue)),
            ("reference", .string(a.spec.reference)),
            (
                "input",
                .object([
                    ("batch", .int(b.batch)), ("channels", .int(a.summary.inputChannels)),
                    ("height", .int(b.height)), ("width", .int(b.width)),
                ])
            ),
            ("num_classes", .int(a.spec.numClasses)),
            ("totals", .object(costObject(a.summary.totals) + [("elementwise_by_kind", .object(elementwise))])),
            ("published", published),
            ("stages", .array(stages)),
            ("layers", .array(layers)),
            ("notes", .array(a.spec.notes.map(JSONText.string))),
            ("conventions", .array(Conventions.all.map(JSONText.string))),
        ])
    }
}
