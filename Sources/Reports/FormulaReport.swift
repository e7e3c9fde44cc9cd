import Architectures
import JSONOutput
import SizeAlgebra

/// `formula` output: closed forms, the lattice they hold on, and the checks.
public enum FormulaReport {
    static func sizes(_ bindings: [Binding]) -> String {
        bindings.map { "\($0.height)×\($0.width) (batch \($0.batch))" }.joined(separator: ", ")
    }

    public static func text(_ f: ClosedForm) -> String {
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
        lines.append(
            "check: exact form = concrete build at " + sizes(f.exactChecks)
                + (f.latticeChecks.isEmpty ? "" : "; lattice form = concrete build at " + sizes(f.latticeChecks))
                + (f.mismatches.isEmpty ? ": all equal" : ": MISMATCH at " + f.mismatches.joined(separator: ", ")))
        return lines.joined(separator: "\n") + "\n"
    }

    public static func json(_ f: ClosedForm) -> JSONText {
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
            ("match", .bool(f.mismatches.isEmpty)), ("mismatches", .array(f.mismatches.map(JSONText.string))),
        ]
        return .object(members)
    }
}
