import Architectures

/// `reports/models/<name>.md`: one model's stages, blocks, totals, closed forms and layers.
enum ModelPage {
    /// The verification section's text while no execution result exists.
    static func notVerified(_ spec: ModelSpec) -> String {
        let checked =
            Zoo.preset(spec.name) == spec
            ? "and the tests check them against the reference implementation's counts (see "
                + "[where the reference numbers come from](../README.md#where-the-reference-numbers-come-from))"
            : "and this spec is not one of the presets the tests check against a reference implementation"
        return "**Not yet verified by execution.** The numbers on this page are analytic: they come from the model's graph, "
            + checked + ". No CPU backend has run this graph yet, so no executed shapes, parameters or MACs are compared here.\n"
    }

    /// The page; `verification` is the execution section's markdown, `nil` while unverified.
    static func markdown(_ f: ModelFacts, verification: String?) -> String {
        let a = f.analysis, spec = a.spec
        var out = Markdown.generatedNotice + "\n# \(spec.name)\n\n"
        out +=
            "\(Markdown.familyName(spec.family)) · \(spec.reference.isEmpty ? "no reference given" : spec.reference) · "
            + "input \(a.summary.inputChannels)×\(Markdown.input(a)), batch 1 · spec `\(f.source.file)` · "
            + "[all models](../zoo.md)\n\n"
        if let published = spec.published {
            out += PublishedCheck(published, params: a.summary.totals.params, macs: a.summary.totals.macs).summary + ".\n\n"
        }
        out += spec.notes.map { "- " + $0 + "\n" }.joined() + (spec.notes.isEmpty ? "" : "\n")
        out += "## Stages\n\n" + AnalysisReport.stageTable(a).markdown() + "\n"
        out += "## Totals\n\n" + AnalysisReport.totalsTable(a).markdown() + "\n"
        let steps = a.depthSteps
        if !steps.isEmpty {
            out += "## Blocks along depth\n\n"
            out +=
                "Each token-mixing block in order (transformer blocks, T2T layers, bottlenecks), with the grid and width "
                + "it works at, its params and its MACs; attention MACs are the part spent on the q·kᵀ and attn·v products "
                + "(the Performer's attention in T2T layers).\n\n"
            out += blockTable(steps).markdown() + "\n"
        }
        out += "## Closed forms in B, H and W\n\n"
        switch f.form {
        case .success(let form):
            out += "As `vitscope formula \(spec.name)` prints them:\n\n```text\n" + FormulaReport.text(form) + "```\n\n"
        case .failure(let error): out += "No closed form: \(error.message)\n\n"
        }
        out +=
            "## Verification by execution\n\n" + ReportBook.executionStart + (verification ?? notVerified(spec))
            + ReportBook.executionEnd + "\n"
        out +=
            "## Every layer\n\n<details>\n<summary>All \(a.summary.layers.count) nodes by scope path "
            + "(as <code>vitscope analyze \(spec.name) --layers</code> lists them)</summary>\n\n"
        out += AnalysisReport.layerTable(a).markdown() + "\n</details>\n\n"
        out += "## Conventions\n\n" + Markdown.conventions
        return out
    }

    /// One row per block: position, scope path, grid, tokens, width, params and MACs.
    static func blockTable(_ steps: [DepthStep]) -> TextTable {
        var table = TextTable(
            headers: ["#", "block", "grid", "tokens", "width", "params", "MACs", "attention MACs"],
            alignments: [.right, .left, .right, .right, .right, .right, .right, .right])
        for step in steps {
            table.append([
                String(step.index), step.block, NumberFormat.grid(step.stage.grid), AnalysisReport.tokens(step.stage),
                step.stage.channels.map(String.init) ?? "-", NumberFormat.grouped(step.params),
                NumberFormat.grouped(step.macs), NumberFormat.grouped(step.attentionMacs),
            ])
        }
        return table
    }
}
