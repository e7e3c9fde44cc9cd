import Architectures
import JSONOutput
import SizeAlgebra

/// `formula` output: closed forms, the lattice they hold on, and the checks.
public enum FormulaReport {
    static func sizes(_ bindings: [Binding]) -> String {
        bindings.map { "\($0.height)×\($0.width) (batch \($0.batch))" }.joined(separator: ", ")
    }

    public static func text(_ f: ClosedForm, training t: TrainingClosedForm? = nil) -> String {
        var lines = [
            "\(f.spec.name): params and MACs in B (batch), H and W (input height and width); ⌊x⌋ rounds down", "",
        ]
        if f.conditions.isEmpty {
            lines.append("exact for every size:")
        } else {
            lines.append("exact for every size where these hold (the graph was built under them):")
            lines += f.conditions.map { "  " + $0 }
            lines.append("then:")
        }
        lines += [
            "  params           = \(f.params)"
        ]
        if f.trainableParams != f.params { lines.append("  trainable params = \(f.trainableParams)") }
        lines += [
            "  MACs             = attention + other",
            "    attention      = \(f.attentionMacs)",
            "    other          = \(f.otherMacs)", "",
        ]
        if let lattice = f.lattice, let p = f.latticeParams, let t = f.latticeTrainableParams,
            let a = f.latticeAttentionMacs, let o = f.latticeOtherMacs
        {
            let own = f.spec.imageSize
            let place =
                lattice.isEmpty
                ? "for every size (there are no floors)"
                : "for \(lattice.map(\.description).joined(separator: " and ")) (the lattice containing \(own.height)×\(own.width))"
            lines += [
                "without floors, exact \(place)\(f.conditions.isEmpty ? "" : " where the conditions above hold"):",
                "  params           = \(p)",
            ]
            if f.trainableParams != f.params { lines.append("  trainable params = \(t)") }
            lines += [
                "  MACs             = attention + other",
                "    attention      = \(a)",
                "    other          = \(o)",
            ]
        } else {
            lines.append("a floor is not of the form ⌊(a·H + b)/c⌋, so no form without floors is given")
        }
        lines.append("")
        if let t { lines += trainingLines(t, conditional: !f.conditions.isEmpty) }
        lines.append(
            "check: exact form = concrete build at " + sizes(f.exactChecks)
                + (f.latticeChecks.isEmpty ? "" : "; lattice form = concrete build at " + sizes(f.latticeChecks))
                + (f.mismatches.isEmpty ? ": all equal" : ": MISMATCH at " + f.mismatches.joined(separator: ", ")))
        if let t {
            lines.append(
                "check: training forms = the training analysis of concrete builds at " + sizes(t.checks)
                    + (t.latticeChecks.isEmpty ? "" : "; lattice forms at " + sizes(t.latticeChecks))
                    + (t.mismatches.isEmpty ? ": all equal" : ": MISMATCH at " + t.mismatches.joined(separator: ", ")))
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// The training step's forms: backward MACs by kind, recomputed MACs, saved bytes.
    static func trainingLines(_ t: TrainingClosedForm, conditional: Bool) -> [String] {
        var lines = [
            "training step: " + TrainingFormat.precision(t.setup) + ", " + TrainingFormat.attention(t.setup.attention) + ", "
                + TrainingFormat.checkpoint(t.setup.checkpoint) + "; exact for every size"
                + (conditional ? " where the conditions above hold:" : ":"),
            "  backward MACs    = input gradients + weight gradients",
            "    input grads    = \(t.inputGradientMacs)",
            "    weight grads   = \(t.weightGradientMacs)",
            "  recomputed MACs  = \(t.recomputeMacs)",
            "  saved bytes      = \(t.savedBytes)",
        ]
        if let lattice = t.lattice, let i = t.latticeInputGradientMacs, let w = t.latticeWeightGradientMacs,
            let r = t.latticeRecomputeMacs, let b = t.latticeSavedBytes
        {
            if !lattice.isEmpty {
                lines += [
                    "  without floors, for \(lattice.map(\.description).joined(separator: " and ")):",
                    "    input grads    = \(i)",
                    "    weight grads   = \(w)",
                    "    recomputed     = \(r)",
                    "    saved bytes    = \(b)",
                ]
            }
        } else {
            lines.append("  a floor is not of the form ⌊(a·H + b)/c⌋, so no training form without floors is given")
        }
        lines.append("")
        return lines
    }

    public static func json(_ f: ClosedForm, training t: TrainingClosedForm? = nil) -> JSONText {
        func bindings(_ list: [Binding]) -> JSONText {
            .array(list.map { .object([("batch", .int($0.batch)), ("height", .int($0.height)), ("width", .int($0.width))]) })
        }
        var members: [(String, JSONText)] = [
            ("model", .string(f.spec.name)),
            (
                "exact",
                .object([
                    ("params", .string(f.params.description)), ("trainable_params", .string(f.trainableParams.description)),
                    ("macs", .string(f.macs.description)), ("attention_macs", .string(f.attentionMacs.description)),
                    ("other_macs", .string(f.otherMacs.description)),
                    ("conditions", .array(f.conditions.map(JSONText.string))),
                ])
            ),
        ]
        if let lattice = f.lattice, let p = f.latticeParams, let t = f.latticeTrainableParams,
            let a = f.latticeAttentionMacs, let o = f.latticeOtherMacs
        {
            members.append(
                (
                    "lattice",
                    .object([
                        (
                            "conditions",
                            .array(
                                lattice.map { c in
                                    .object([
                                        ("variable", .string(c.variable.rawValue)), ("modulus", .int(c.modulus)),
                                        ("residue", .int(c.residue)),
                                    ])
                                })
                        ),
                        ("params", .string(p.description)), ("trainable_params", .string(t.description)),
                        ("attention_macs", .string(a.description)), ("other_macs", .string(o.description)),
                    ])
                ))
        } else {
            members.append(("lattice", .null))
        }
        members += [
            ("exact_checks", bindings(f.exactChecks)), ("lattice_checks", bindings(f.latticeChecks)),
        ]
        var mismatches = f.mismatches
        if let t {
            mismatches += t.mismatches
            var training: [(String, JSONText)] = [
                (
                    "setup",
                    .object([
                        ("precision", .string(t.setup.precision.rawValue)), ("attention", .string(t.setup.attention.rawValue)),
                        ("autocast", .string(t.setup.device.rawValue)), ("checkpoint", .string(t.setup.checkpoint.rawValue)),
                    ])
                ),
                (
                    "exact",
                    .object([
                        ("input_gradient_macs", .string(t.inputGradientMacs.description)),
                        ("weight_gradient_macs", .string(t.weightGradientMacs.description)),
                        ("backward_elementwise", .string(t.backwardElementwise.description)),
                        ("recompute_macs", .string(t.recomputeMacs.description)),
                        ("saved_activations_bytes", .string(t.savedBytes.description)),
                    ])
                ),
            ]
            if let lattice = t.lattice, let i = t.latticeInputGradientMacs, let w = t.latticeWeightGradientMacs,
                let r = t.latticeRecomputeMacs, let b = t.latticeSavedBytes
            {
                training.append(
                    (
                        "lattice",
                        .object([
                            ("conditions", .array(lattice.map { .string($0.description) })),
                            ("input_gradient_macs", .string(i.description)), ("weight_gradient_macs", .string(w.description)),
                            ("recompute_macs", .string(r.description)), ("saved_activations_bytes", .string(b.description)),
                        ])
                    ))
            } else {
                training.append(("lattice", .null))
            }
            training += [("checks", bindings(t.checks)), ("lattice_checks", bindings(t.latticeChecks))]
            members.append(("training", .object(training)))
        }
        members += [("match", .bool(mismatches.isEmpty)), ("mismatches", .array(mismatches.map(JSONText.string)))]
        return .object(members)
    }
}
