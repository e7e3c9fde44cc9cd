import CPUBackend
import JSONOutput
import Verifying

/// `verify` output: a line per model, then the first mismatching nodes of each failing model.
public enum VerificationReport {
    /// How many mismatching nodes are listed per model in text and markdown.
    public static let shownMismatches = 10

    public static func table(_ outcomes: [VerificationOutcome]) -> TextTable {
        var table = TextTable(
            headers: ["model", "input", "nodes", "params", "MACs", "logits", "match", "seconds"],
            alignments: [.left, .left, .right, .right, .right, .left, .left, .right])
        for o in outcomes {
            table.append([
                o.model, o.input.map(String.init).joined(separator: "×"), String(o.verification.nodes),
                NumberFormat.grouped(o.verification.params), NumberFormat.grouped(o.verification.macs),
                o.logitsError.map { "rel. error \(scientific($0))" } ?? "-", o.matches ? "yes" : "NO",
                String(format2(o.seconds)),
            ])
        }
        return table
    }

    static func details(_ outcomes: [VerificationOutcome]) -> String {
        var text = ""
        for o in outcomes where !o.matches {
            if let error = o.logitsError, !(error <= o.tolerance) {
                text += "\(o.model): logits differ from the reference by \(scientific(error)) (tolerance \(scientific(o.tolerance)))\n"
            }
            let shown = (o.verification.mismatches + (o.training?.mismatches ?? [])).prefix(shownMismatches)
            if !shown.isEmpty { text += "\(o.model): first mismatching nodes\n" }
            for m in shown { text += "  \(m.path)  \(m.what): analytic \(m.analytic), executed \(m.executed)\n" }
            let total = o.verification.mismatches.count + (o.training?.mismatches.count ?? 0)
            if total > shown.count { text += "  … and \(total - shown.count) more\n" }
        }
        return text
    }

    static let footer =
        "each node's output shape, parameter elements, MACs and elementwise work, as the kernels counted "
        + "them while running, against the analytic graph; MACs = multiply-accumulates"

    /// With `--train`: per model the executed backward and recompute MACs, saved bytes and the
    /// optimizer's state, all compared with the analysis.
    static func trainingTable(_ outcomes: [VerificationOutcome]) -> TextTable? {
        guard outcomes.contains(where: { $0.training != nil }) else { return nil }
        var table = TextTable(
            headers: ["model", "attention", "backward MACs", "recompute MACs", "saved bytes", "AdamW state bytes", "match"],
            alignments: [.left, .left, .right, .right, .right, .right, .left])
        for o in outcomes {
            guard let t = o.training else { continue }
            table.append([
                o.model, t.attention.rawValue, NumberFormat.grouped(t.backwardMacs), NumberFormat.grouped(t.recomputeMacs),
                NumberFormat.grouped(t.savedBytes), o.optimizerStateBytes.map(NumberFormat.grouped) ?? "-", t.matches ? "yes" : "NO",
            ])
        }
        return table
    }

    static let trainingFooter =
        "training step (float32, dropouts off; attention as the family's reference runs it unless --attention says): per node the backward's input- and weight-gradient MACs, "
        + "elementwise work, recomputed MACs and the bytes of the storages it keeps, against the analysis\n"

    public static func text(_ outcomes: [VerificationOutcome]) -> String {
        table(outcomes).text() + "\n" + (trainingTable(outcomes).map { $0.text() + "\n" } ?? "") + details(outcomes) + footer
            + "\n" + (trainingTable(outcomes) == nil ? "" : trainingFooter)
    }

    public static func markdown(_ outcomes: [VerificationOutcome]) -> String {
        table(outcomes).markdown() + "\n" + (trainingTable(outcomes).map { $0.markdown() + "\n" } ?? "") + details(outcomes)
            + footer + "\n" + (trainingTable(outcomes) == nil ? "" : trainingFooter)
    }

    public static func json(_ o: VerificationOutcome) -> JSONText {
        var members: [(String, JSONText)] = [
            ("model", .string(o.model)), ("input", .array(o.input.map(JSONText.int))), ("match", .bool(o.matches)),
            ("nodes", .int(o.verification.nodes)), ("params", .int(o.verification.params)), ("macs", .int(o.verification.macs)),
            ("elementwise", .int(o.verification.elementwise)),
            (
                "mismatches",
                .array(
                    o.verification.mismatches.map { m in
                        .object([
                            ("path", .string(m.path)), ("what", .string(m.what)), ("analytic", .string(m.analytic)),
                            ("executed", .string(m.executed)),
                        ])
                    })
            ),
            ("seconds", .double(format2(o.seconds))),
        ]
        if let t = o.training {
            members.append(
                (
                    "training",
                    .object([
                        ("match", .bool(t.matches)), ("attention", .string(t.attention.rawValue)),
                        ("backward_macs", .int(t.backwardMacs)),
                        ("recompute_macs", .int(t.recomputeMacs)), ("saved_activations_bytes", .int(t.savedBytes)),
                        ("optimizer_state_bytes", .int(o.optimizerStateBytes ?? 0)),
                        (
                            "mismatches",
                            .array(
                                t.mismatches.map { m in
                                    .object([
                                        ("path", .string(m.path)), ("what", .string(m.what)),
                                        ("analytic", .string(m.analytic)), ("executed", .string(m.executed)),
                                    ])
                                })
                        ),
                    ])
                ))
        }
        if let error = o.logitsError {
            // JSON has no infinity: a non-finite error is written as the string "inf" or "nan".
            members.append(("logits_relative_error", error.isFinite ? .double(Double(error)) : .string(scientific(error))))
            members.append(("tolerance", .double(Double(o.tolerance))))
        }
        return .object(members)
    }

    public static func json(_ outcomes: [VerificationOutcome]) -> JSONText {
        outcomes.count == 1 ? json(outcomes[0]) : .array(outcomes.map(json))
    }

    private static func format2(_ seconds: Double) -> Double { (seconds * 1000).rounded() / 1000 }

    /// `value` to two significant digits, `1.2e-5`; `inf` and `nan` as such.
    static func scientific(_ value: Float) -> String {
        if value.isNaN { return "nan" }
        if value.isInfinite { return value > 0 ? "inf" : "-inf" }
        guard value > 0 else { return "0" }
        var exponent = 0, mantissa = Double(value)
        while mantissa < 1 { mantissa *= 10; exponent -= 1 }
        while mantissa >= 10 { mantissa /= 10; exponent += 1 }
        var rounded = (mantissa * 10).rounded() / 10
        // 9.96 rounds to 10.0: carry into the exponent (float 1e-4 is 9.99…e-5).
        if rounded >= 10 { rounded /= 10; exponent += 1 }
        return "\(rounded)e\(exponent)"
    }
}

extension VerificationReport {
    /// A model page's execution section: what was run and whether every node matched. No
    /// timings, so the page is the same on every run.
    public static func pageSection(_ o: VerificationOutcome, command: String) -> String {
        let v = o.verification
        var out =
            "Run on the CPU by `\(command)`: batch \(o.input[0]), input \(o.input.dropFirst().map(String.init).joined(separator: "×")), "
            + "random weights (seed 0). "
        if o.matches {
            out +=
                "**All \(v.nodes) nodes match**: every node's output shape, parameter elements, MACs and elementwise count, "
                + "as the kernels counted them while running, equal the analytic figures above.\n\n"
        } else {
            out += "**\(v.mismatches.count) mismatches** between execution and the analytic figures:\n\n"
            for m in v.mismatches.prefix(shownMismatches) {
                out += "- `\(m.path)` \(m.what): analytic \(m.analytic), executed \(m.executed)\n"
            }
            out += "\n"
        }
        out +=
            "Executed: \(NumberFormat.grouped(v.params)) parameters, \(NumberFormat.grouped(v.macs)) MACs, "
            + "\(NumberFormat.grouped(v.elementwise)) elementwise operations.\n"
        return out
    }
}
