import Architectures
import SizeAlgebra

/// One model of the resolution study: its analysis at each square side, or why a side was skipped.
struct ResolutionSeries: Sendable {
    let facts: ModelFacts
    let points: [SweepPoint]

    /// The analyses that succeeded, with their sides.
    var valid: [(side: Int, analysis: Analysis)] {
        points.compactMap { point in
            if case .success(let a) = point.result { return (point.size.height, a) }
            return nil
        }
    }
}

/// `reports/resolution.md` and its charts: MACs and params against input resolution, with
/// attention's term, quadratic in the pixel count, apart from the rest, which is linear in it.
enum ResolutionPage {
    static let path = "resolution.md"

    static func files(_ study: [ModelFacts], windowed: ModelFacts? = nil, global: ModelFacts? = nil) -> [ReportFile] {
        let sides = ReportBook.resolutionSides
        let jobs = study.flatMap { f in sides.map { (f, $0) } }
        let points = Parallel.map(jobs) { f, side in
            SweepPoint(
                size: ImageSize(side),
                result: Result { () throws(SpecError) in try f.source.spec.analyze(Overrides(imageSize: ImageSize(side))) })
        }
        let series = study.enumerated().map { index, f in
            ResolutionSeries(facts: f, points: Array(points[index * sides.count..<(index + 1) * sides.count]))
        }
        let windows = windowed.flatMap { w in global.map { WindowSeries(windowed: w, global: $0) } }
        var files = ResolutionCharts.files(series, windows: windows)
        var out = Markdown.generatedNotice + "\n# MACs and parameters against input resolution\n\n"
        out += summary(series) + "\n\n"
        out +=
            "Square inputs from \(sides.first ?? 0)×\(sides.first ?? 0) to \(sides.last ?? 0)×\(sides.last ?? 0) pixels in steps of "
            + "\(sides.count > 1 ? sides[1] - sides[0] : 0), batch 1. As `timm` does with `img_size=`, each model is built for the "
            + "size it is given, so position embeddings (and T2T-ViT's fixed sinusoid table) grow with the image. *Attention* "
            + "is the q·kᵀ and attn·v products (and T2T's Performer attention); *other* is every other MAC.\n\n"
        for chart in ResolutionCharts.all { out += "![\(chart.alt)](\(chart.file))\n\n" }
        if let windows { out += windowSection(windows) }
        out += formulaSection(series)
        out += "## Tables\n\n"
        out += table("MACs", series) { $0.summary.totals.macs }
        out += table("Attention MACs (q·kᵀ + attn·v)", series) { $0.attentionMacs }
        out += table("Other MACs", series) { $0.summary.totals.macs - $0.attentionMacs }
        out += table("Params", series) { $0.summary.totals.params }
        out += "## Conventions\n\n" + Markdown.conventions
        files.append(ReportFile(path: path, contents: out))
        return files
    }

    /// The opening paragraph and a table of how much each model grows over the sweep.
    static func summary(_ series: [ResolutionSeries]) -> String {
        var table = TextTable(
            headers: [
                "model", "from", "to", "MACs", "other MACs", "attention MACs",
                "attention share (from → to)",
            ],
            alignments: [.left, .left, .left, .right, .right, .right, .right])
        var fastest: (name: String, growth: Double, ratio: String, share: String)?
        for s in series {
            guard let first = s.valid.first, let last = s.valid.last, first.side != last.side else { continue }
            let (a, b) = (first.analysis, last.analysis)
            let (ta, tb) = (a.summary.totals.macs, b.summary.totals.macs)
            let share = NumberFormat.percent(a.attentionMacs, of: ta) + " → " + NumberFormat.percent(b.attentionMacs, of: tb)
            table.append([
                Markdown.shortName(s.facts.name), "\(first.side)×\(first.side)", "\(last.side)×\(last.side)",
                NumberFormat.ratio(tb, ta), NumberFormat.ratio(tb - b.attentionMacs, ta - a.attentionMacs),
                b.attentionMacs > 0 ? NumberFormat.ratio(b.attentionMacs, a.attentionMacs) : "-",
                b.attentionMacs > 0 ? share : "-",
            ])
            let growth = Double(tb) / Double(max(ta, 1))
            if growth > (fastest?.growth ?? 0) {
                fastest = (
                    Markdown.shortName(s.facts.name), growth, NumberFormat.ratio(tb, ta), NumberFormat.percent(b.attentionMacs, of: tb)
                )
            }
        }
        let sides = ReportBook.resolutionSides
        guard let low = sides.first, let high = sides.last else { return "" }
        var text =
            "From \(low)×\(low) to \(high)×\(high) the pixel count grows \(NumberFormat.ratio(high * high, low * low)). "
            + "The MACs of linear layers and convolutions grow at most linearly with it (see the closed forms below), "
            + "while the attention products grow with the square of the token count, so the more of a model's MACs "
            + "are attention, the faster it grows."
        if let fastest {
            text +=
                " Of these five, \(fastest.name) grows fastest (\(fastest.ratio) its MACs), and at \(high)×\(high) "
                + "attention is \(fastest.share) of its MACs."
        }
        return text + "\n\n" + table.markdown().dropLast()
    }

    /// A windowed model's attention beside a global one's at the sides the windows tile: linear
    /// against quadratic in the pixel count.
    static func windowSection(_ w: WindowSeries) -> String {
        let (windowed, global) = (Markdown.shortName(w.windowed.name), Markdown.shortName(w.global.name))
        let g = NumberFormat.grouped
        let sides = ReportBook.windowSides
        var out = "## Windowed attention: linear in the pixel count\n\n"
        let stages = w.windowed.analysis.summary.stages.filter { $0.kind == .transformer }.count
        out +=
            "\(windowed) (\(Markdown.modelLink(w.windowed.name))) attends within windows, so each of its \(stages) stages' grids "
            + "must be a whole number of windows, or no larger than one window, which then shrinks to the grid as timm "
            + "shrinks it. Of the square sides from \(sides.first ?? 0) to \(sides.last ?? 0) in steps of "
            + "\(sides.count > 1 ? sides[1] - sides[0] : 0), that leaves "
            + w.rows.map { "\($0.side)×\($0.side)" }.joined(separator: ", ")
        if let rejected = w.rejected.first {
            out +=
                "; vitscope rejects the other \(w.rejected.count), as it rejects any size that breaks a rule "
                + "(\(rejected.side)×\(rejected.side): \(rejected.reason))"
        }
        out += ".\n\n"
        if let first = w.rows.first, let last = w.rows.last, first.side != last.side {
            let pixels = NumberFormat.ratio(last.side * last.side, first.side * first.side)
            out +=
                "At these sides a larger image means more windows of the same size and cost, so \(windowed)'s attention MACs "
                + "grow as the pixel count does — \(NumberFormat.ratio(last.windowed.attentionMacs, first.windowed.attentionMacs)) "
                + "from \(first.side)×\(first.side) to \(last.side)×\(last.side), with \(pixels) the pixels, the same per pixel "
                + "at every size — while \(global)'s attend over every token and grow with the square of the token count: "
                + "\(NumberFormat.ratio(last.global.attentionMacs, first.global.attentionMacs)). At \(last.side)×\(last.side) "
                + "attention is \(NumberFormat.percent(last.windowed.attentionMacs, of: last.windowed.summary.totals.macs)) of "
                + "\(windowed)'s MACs and \(NumberFormat.percent(last.global.attentionMacs, of: last.global.summary.totals.macs)) of "
                + "\(global)'s. Growth is against \(first.side)×\(first.side); *per pixel* is attention MACs over H·W.\n\n"
        }
        if case .success(let form) = w.windowed.form, let lattice = form.lattice, let attention = form.latticeAttentionMacs,
            case .success(let globalForm) = w.global.form, let globalAttention = globalForm.latticeAttentionMacs
        {
            let place = lattice.isEmpty ? "at every size" : "for " + lattice.map(\.description).joined(separator: ", ")
            out +=
                "In closed form, as `vitscope formula` prints it, \(windowed)'s attention MACs are `\(attention)` \(place), "
                + "against \(global)'s `\(globalAttention)`.\n\n"
        }
        for chart in ResolutionCharts.windowCharts { out += "![\(chart.alt)](\(chart.file))\n\n" }
        var table = TextTable(
            headers: [
                "input", "pixels", "\(windowed) attention MACs", "growth", "per pixel", "\(global) attention MACs", "growth",
                "per pixel", "\(windowed) MACs", "\(global) MACs",
            ],
            alignments: [.left, .right, .right, .right, .right, .right, .right, .right, .right, .right])
        let base = w.rows.first
        for row in w.rows {
            let pixels = row.side * row.side
            table.append([
                "\(row.side)×\(row.side)", g(pixels), g(row.windowed.attentionMacs),
                base.map { NumberFormat.ratio(row.windowed.attentionMacs, $0.windowed.attentionMacs) } ?? "-",
                NumberFormat.scaled(row.windowed.attentionMacs, pixels, decimals: 1), g(row.global.attentionMacs),
                base.map { NumberFormat.ratio(row.global.attentionMacs, $0.global.attentionMacs) } ?? "-",
                NumberFormat.scaled(row.global.attentionMacs, pixels, decimals: 1), g(row.windowed.summary.totals.macs),
                g(row.global.summary.totals.macs),
            ])
        }
        return out + table.markdown() + "\n"
    }

    /// The floor-free closed forms of each model, and whether the sweep's sizes lie on their lattice.
    static func formulaSection(_ series: [ResolutionSeries]) -> String {
        let out =
            "## Closed forms\n\n"
            + "Exact on the lattice named (where every floor division of the exact form is linear), per image batch B "
            + "and input H × W, as `vitscope formula` prints them; H·W is the pixel count, so H²·W² terms are "
            + "attention's quadratic growth.\n\n"
        var table = TextTable(
            headers: ["model", "lattice", "attention MACs", "other MACs", "params"],
            alignments: [.left, .left, .left, .left, .left])
        for s in series {
            guard case .success(let form) = s.facts.form, let lattice = form.lattice, let attention = form.latticeAttentionMacs,
                let other = form.latticeOtherMacs, let params = form.latticeParams
            else {
                table.append([Markdown.shortName(s.facts.name), "no floor-free form", "-", "-", "-"])
                continue
            }
            let place = lattice.isEmpty ? "every size" : lattice.map(\.description).joined(separator: ", ")
            let onLattice = ReportBook.resolutionSides.allSatisfy { side in lattice.allSatisfy { side % $0.modulus == $0.residue } }
            table.append([
                Markdown.shortName(s.facts.name), place + (onLattice ? " (every size here)" : " (not every size here)"),
                "`\(attention)`", "`\(other)`", "`\(params)`",
            ])
        }
        return out + table.markdown() + "\n"
    }

    /// One quantity per side (rows) and model (columns); skipped sizes are footnoted with the reason.
    static func table(_ title: String, _ series: [ResolutionSeries], _ value: (Analysis) -> Int) -> String {
        var table = TextTable(
            headers: ["input"] + series.map { Markdown.shortName($0.facts.name) },
            alignments: [.left] + series.map { _ in .right })
        var notes: [String] = []
        for (row, side) in ReportBook.resolutionSides.enumerated() {
            table.append(
                ["\(side)×\(side)"]
                    + series.map { s in
                        switch s.points[row].result {
                        case .success(let a): return NumberFormat.grouped(value(a))
                        case .failure(let error):
                            notes.append("\(Markdown.shortName(s.facts.name)) at \(side)×\(side): " + SweepReport.reason(error))
                            return "skipped (\(notes.count))"
                        }
                    })
        }
        return "### \(title)\n\n" + table.markdown() + notes.enumerated().map { "\n(\($0.offset + 1)) \($0.element)\n" }.joined() + "\n"
    }
}

/// A windowed-attention model and a global-attention one at the sides of
/// ``ReportBook/windowSides`` that the windowed model's windows tile.
struct WindowSeries: Sendable {
    struct Row: Sendable {
        let side: Int
        let windowed: Analysis
        let global: Analysis
    }

    let windowed: ModelFacts
    let global: ModelFacts
    let rows: [Row]
    /// The sides the windowed model rejects, with the reason.
    let rejected: [(side: Int, reason: String)]

    init(windowed: ModelFacts, global: ModelFacts) {
        self.windowed = windowed
        self.global = global
        let sides = ReportBook.windowSides
        let points = Parallel.map(sides) { side in
            Result { () throws(SpecError) in try windowed.source.spec.analyze(Overrides(imageSize: ImageSize(side))) }
        }
        var valid: [(Int, Analysis)] = [], rejected: [(side: Int, reason: String)] = []
        for (side, point) in zip(sides, points) {
            switch point {
            case .success(let a): valid.append((side, a))
            case .failure(let error): rejected.append((side, error.problems.map(\.message).joined(separator: "; ")))
            }
        }
        let globals = Parallel.map(valid.map(\.0)) { side in
            Result { () throws(SpecError) in try global.source.spec.analyze(Overrides(imageSize: ImageSize(side))) }
        }
        rows = zip(valid, globals).compactMap { pair, result in
            guard case .success(let g) = result else { return nil }
            return Row(side: pair.0, windowed: pair.1, global: g)
        }
        self.rejected = rejected
    }
}
