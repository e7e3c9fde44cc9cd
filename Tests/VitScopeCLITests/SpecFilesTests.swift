import Architectures
import Foundation
import Testing

@testable import VitScopeCLI

@Suite("specs/")
struct SpecFilesTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("specs")

    /// The committed spec files are exactly what `vitscope specs` writes, and decode to the presets.
    @Test(arguments: SpecsCommand.specs)
    func committedSpecIsFreshAndDecodes(_ spec: ModelSpec) throws {
        let path = Self.root.appendingPathComponent(SpecsCommand.relativePath(spec)).path
        let text = try #require(
            FileManager.default.contents(atPath: path).flatMap { String(data: $0, encoding: .utf8) },
            "missing \(path); run: swift run vitscope specs --out specs")
        #expect(text == SpecEncoder.encode(spec), "specs/ is stale; run: swift run vitscope specs --out specs")
        #expect(try SpecDecoder.decode(text) == spec)
    }

    @Test func noStraySpecFiles() throws {
        let files = try FileManager.default.subpathsOfDirectory(atPath: Self.root.path).filter { $0.hasSuffix(".json") }
        #expect(files.sorted() == SpecsCommand.specs.map(SpecsCommand.relativePath).sorted())
    }

    /// A spec file analyses exactly like the preset it was written from.
    @Test func specFileAnalysesLikeThePreset() {
        let path = Self.root.appendingPathComponent("pit/pit_s_224.json").path
        #expect(vitscope("analyze", path, "--format", "json").out == vitscope("analyze", "pit_s_224", "--format", "json").out)
    }

    /// The vit-pytorch example files analyse exactly like the calls they were written from.
    @Test func vitPytorchSpecFilesAnalyseLikeTheirCalls() throws {
        #expect(
            VitPytorch.examples.map { SpecsCommand.relativePath($0) } == [
                "vit_pytorch/vit_pytorch_vit.json", "vit_pytorch/vit_pytorch_pit.json", "vit_pytorch/vit_pytorch_t2t_vit.json",
                "vit_pytorch/vit_pytorch_cvt.json",
            ])
        for spec in VitPytorch.examples {
            let call = try #require(spec.notes.first?.split(separator: ": ", maxSplits: 1).last.map(String.init))
            let path = Self.root.appendingPathComponent(SpecsCommand.relativePath(spec)).path
            let fromFile = try #require(
                try JSONSerialization.jsonObject(with: Data(vitscope("analyze", path, "--format", "json").out.utf8)) as? [String: Any])
            let fromCall = try #require(
                try JSONSerialization.jsonObject(with: Data(vitscope("analyze", "--vit-pytorch", call, "--format", "json").out.utf8))
                    as? [String: Any])
            #expect(fromFile["totals"] as? [String: AnyHashable] == fromCall["totals"] as? [String: AnyHashable], "\(spec.name)")
            #expect(fromFile["layers"] as? [[String: AnyHashable]] == fromCall["layers"] as? [[String: AnyHashable]], "\(spec.name)")
        }
    }

    /// Figures quoted in preset notes are the ones the tool computes.
    @Test func notesQuoteComputedFigures() throws {
        let quoted = /counts ([0-9,]+) MACs|has ([0-9,]+) parameters/
        var checked = 0
        for spec in Zoo.all {
            let totals = try spec.analyze().summary.totals
            for note in spec.notes {
                for match in note.matches(of: quoted) {
                    if let macs = match.1 { #expect(Int(macs.replacing(",", with: "")) == totals.macs, "\(spec.name)"); checked += 1 }
                    if let params = match.2 { #expect(Int(params.replacing(",", with: "")) == totals.params, "\(spec.name)"); checked += 1 }
                }
            }
        }
        #expect(checked == 6)
    }
}
