import Architectures

/// `reports/zoo.md`: every model in one table, published figures beside the exact ones.
enum ZooPage {
    static func markdown(_ facts: [ModelFacts]) -> String {
        var out = Markdown.generatedNotice + "\n# Every model\n\n"
        out +=
            "Exact counts for one image at each model's own input size. *Published* is the paper's or model card's "
            + "figure (params in M, MACs in G, as printed); *exact, rounded alike* is the exact count rounded to the "
            + "same number of decimals, so the two agree when they are equal. Model names link to their pages.\n\n"
        var table = TextTable(
            headers: [
                "model", "family", "input", "params", "trainable params", "MACs", "FLOPs", "fvcore",
                "tokens per stage", "published (M / G)", "exact, rounded alike", "agrees",
            ],
            alignments: [.left, .left, .left, .right, .right, .right, .right, .right, .left, .right, .right, .left])
        var differing: [ModelFacts] = []
        for f in facts {
            let a = f.analysis, t = a.summary.totals
            var published = "-", exact = "-", agrees = "-"
            if let check = check(f) {
                published = NumberFormat.published(check.published.paramsM) + " / " + NumberFormat.published(check.published.gmacs)
                exact = check.exactParams + " / " + check.exactMacs
                agrees = verdict(check)
                if !(check.paramsAgree && check.macsAgree) {
                    differing.append(f)
                    agrees = "[\(agrees)](#\(f.name.lowercased()))"
                }
            }
            table.append([
                Markdown.modelLink(f.name), a.spec.family.rawValue, Markdown.input(a),
                NumberFormat.grouped(t.params), NumberFormat.grouped(t.trainableParams),
                NumberFormat.grouped(t.macs), NumberFormat.grouped(t.flops), NumberFormat.grouped(t.fvcore),
                Markdown.tokensPerStage(a), published, exact, agrees,
            ])
        }
        out += table.markdown() + "\n"
        out +=
            "Tokens are spatial tokens, `+1` (or `+2`) the class (and distillation) tokens; for ResNet-50 they are "
            + "the positions of each stage's feature map.\n\n"
        out += "## Published figures that differ beyond rounding\n\n"
        if differing.isEmpty {
            out += "None: every published figure equals the exact count rounded alike.\n\n"
        } else {
            out +=
                "Each of these models carries a note, from its spec, on what was checked. The exact figures are not "
                + "bent toward the papers.\n\n"
            for f in differing {
                guard let check = check(f) else { continue }
                out += "### \(f.name)\n\n" + check.summary + ".\n\n" + f.source.spec.notes.map { "- " + $0 + "\n" }.joined() + "\n"
            }
        }
        let others = facts.filter { f in !differing.contains { $0.name == f.name } && !f.source.spec.notes.isEmpty }
        if !others.isEmpty {
            out += "## Other notes\n\n"
            for f in others { out += f.source.spec.notes.map { "- \(Markdown.modelLink(f.name)): " + $0 + "\n" }.joined() }
            out += "\n"
        }
        out += "## Conventions\n\n" + Markdown.conventions
        return out
    }

    static func check(_ f: ModelFacts) -> PublishedCheck? {
        f.source.spec.published.map { PublishedCheck($0, params: f.analysis.summary.totals.params, macs: f.analysis.summary.totals.macs) }
    }

    static func verdict(_ check: PublishedCheck) -> String {
        switch (check.paramsAgree, check.macsAgree) {
        case (true, true): "yes"
        case (false, true): "params differ"
        case (true, false): "MACs differ"
        case (false, false): "both differ"
        }
    }
}
