import Architectures

/// `reports/README.md`: what the folder holds and how it was produced.
enum IndexPage {
    static func markdown(_ facts: [ModelFacts], verified: Int) -> String {
        var out = Markdown.generatedNotice + "\n# vitscope reports\n\n"
        out += """
            Exact parameter and multiply-accumulate (MAC) counts of \(facts.count) vision models, computed from each \
            model's graph of primitive ops. This folder is written by `vitscope report` from the spec files in \
            `specs/` (one per model); run `\(ReportBook.command)` after changing a spec or the tool. The output is the \
            same byte for byte on every run, and a test fails when the committed folder differs from it. Nothing here \
            is typed in by hand except the published figures, which the specs carry with their sources.


            """
        out += "## Pages\n\n"
        out +=
            "- [zoo.md](zoo.md): every model in one table — params, trainable params, MACs, FLOPs, fvcore, tokens per stage, "
            + "and the published figures beside the exact ones, with the differences beyond rounding explained.\n"
        out +=
            "- [spatial-dimensions.md](spatial-dimensions.md): the PiT paper's Figure 1 study with exact numbers — "
            + "spatial size and channel width along depth in ResNet-50, ViT-S/16, PiT-S, CvT-13, T2T-ViT-14 and Swin-T, "
            + "the attention cost that PiT's pooling saves, and what Swin's windows save against global attention.\n"
        out +=
            "- [resolution.md](resolution.md): MACs and params of the first five of those models from 160×160 to 512×512 "
            + "pixels, with attention's quadratic term apart from the linear rest, and Swin-T's windowed attention, linear "
            + "in the pixel count, beside ViT-S/16's at the sizes Swin-T's windows tile.\n"
        out +=
            "- [training.md](training.md): what a training step keeps for backward — saved activations per image by stage "
            + "and against resolution — backward MACs, and for every model its training MACs, saved activations in float32 "
            + "and bf16, and the largest batch that fits an A100 80GB.\n"
        out += "- `models/`: one page per model — stages, blocks along depth, totals, closed forms in B, H and W, every layer:\n"
        for family in Family.allCases {
            let names = facts.filter { $0.source.spec.family == family }.map(\.name)
            guard !names.isEmpty else { continue }
            out += "  - \(Markdown.familyName(family)): " + names.map { Markdown.modelLink($0) }.joined(separator: " · ") + "\n"
        }
        out +=
            "\n## How it was produced\n\n"
            + "`vitscope report [--out reports] [--specs specs]` reads every `*.json` spec under the specs folder with the "
            + "same strict decoder as `vitscope validate`, builds each model's graph, and writes the pages and the SVG charts "
            + "(plain SVG, no scripts or fonts to fetch). Files are replaced atomically and only when their text changes; "
            + "pages and charts it no longer writes are removed.\n"
        out += "\n## Counting conventions\n\n" + Markdown.conventions
        out += """

            All counts are for one image (batch 1) at the model's own input size unless a page says otherwise; \
            MACs scale linearly with the batch.

            ## Where the reference numbers come from

            The published figures are the papers' (each spec names its source), rounded as published. The exact \
            counts were checked against the reference implementations — timm 1.0.31 for ViT, DeiT, PiT and \
            ResNet-50, the authors' repositories for T2T-ViT and CvT — by `scripts/reference_counts.py`, which builds \
            every preset at its default size, at 160×160 and at 192×256 (square sizes only for T2T-ViT) and records \
            `sum(p.numel())`, PyTorch's `FlopCounterMode` count and fvcore's `FlopCountAnalysis` total in \
            `Tests/Fixtures/reference-counts.json`. The tests assert, for every one of those (model, size) pairs, \
            that params equal the reference to the last parameter, MACs equal `FlopCounterMode`'s count ÷ 2 to the \
            unit, and the fvcore figure equals fvcore's to the unit (for CvT and T2T-ViT's Performer after applying \
            the rounding fvcore's einsum counting applies). Running that script is optional; building, testing and \
            regenerating this folder never need Python.


            """
        out += "## Verification by execution\n\n" + ReportBook.executionStart
        out +=
            verified == 0
            ? "Not yet verified by execution: no model here has been run by the CPU backend yet. Each model page has a "
                + "section for that result.\n"
            : "\(verified) of \(facts.count) models were run by the CPU backend (`vitscope verify`, batch 1, random weights) "
                + "and every node's output shape, parameter elements, MACs and elementwise count equal the analytic ones; "
                + "each model page has its result.\n"
        return out + ReportBook.executionEnd
    }
}
