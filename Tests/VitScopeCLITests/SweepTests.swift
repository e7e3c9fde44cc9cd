import Foundation
import Testing

@testable import VitScopeCLI

@Suite("sweep")
struct SweepTests {
    /// Rows equal the reference implementations' counts at those sizes (Tests/Fixtures).
    @Test func csvRowsAreExactAndInvalidSizesSkipped() {
        let result = vitscope("sweep", "t2t_vit_14", "--image-sizes", "160,224,232", "--format", "csv")
        #expect(result.code == .success)
        #expect(
            result.out == """
                height,width,t2t1_tokens,t2t2_tokens,stage1_tokens,params,trainable_params,macs,fvcore,skipped
                160,160,1600,400,101,21508686,21465806,2347630592,2356222272,
                224,224,3136,784,197,21545550,21465806,4783468544,4800254784,
                232,232,,,,,,,,embed/pos_embed: position_embedding input tokens and table length (the table is sized for the image when the model is built): 226 ≠ 197

                """)
    }

    @Test func rangesIncludeTheirEnd() throws {
        #expect(try SweepCommand.imageSizes("160:224:32").map(\.description) == ["160", "192", "224"])
        #expect(try SweepCommand.imageSizes("160:250:32,300x200").map(\.description) == ["160", "192", "224", "300×200"])
        #expect(try SweepCommand.imageSizes("100x200:110x210:10").map(\.description) == ["100×200", "110×210"])
    }

    @Test func jsonHasStagesAndTotals() throws {
        let result = vitscope("sweep", "pit_s_224", "--image-sizes", "160", "--format", "json")
        let object = try #require(try JSONSerialization.jsonObject(with: Data(result.out.utf8)) as? [String: Any])
        let sizes = try #require(object["sizes"] as? [[String: Any]])
        #expect(sizes.count == 1)
        #expect(sizes[0]["params"] as? Int == 23_408_920)
        #expect(sizes[0]["macs"] as? Int == 1_352_326_464)
        #expect(sizes[0]["fvcore"] as? Int == 1_355_716_224)
        let stages = try #require(sizes[0]["stages"] as? [[String: Any]])
        #expect(stages.filter { $0["name"] as? String == "stage3" }.map { $0["grid"] as? [Int] } == [[5, 5]])
    }

    @Test func tableShowsTokensPerStage() {
        let result = vitscope("sweep", "pit_s_224", "--image-sizes", "160,224")
        let lines = result.out.split(separator: "\n").map(String.init)
        #expect(lines[0] == "input  stage1 tokens  stage2 tokens  stage3 tokens  params (M)  MACs (G)  fvcore (G)  note")
        #expect(lines[2] == "160            361+1          100+1           25+1       23.41     1.352       1.356")
        #expect(lines[3] == "224            729+1          196+1           49+1       23.46     2.871       2.877")
    }

    @Test(arguments: [
        (["sweep", "pit_s_224"], "error: sweep needs --image-sizes, e.g. 160,224,288 or 160:512:32"),
        (["sweep", "pit_s_224", "--image-sizes", "224:160:32"], "error: --image-sizes range '224:160:32' has START after STOP"),
        (["sweep", "pit_s_224", "--image-sizes", "160:224:0"], "error: --image-sizes range '160:224:0' needs a positive whole STEP"),
        (["sweep", "pit_s_224", "--image-sizes", "160:224"], "error: --image-sizes entry '160:224' is neither N, HxW nor START:STOP:STEP"),
        (["sweep", "pit_s_224", "--image-sizes", "1:60000:1"], "error: --image-sizes lists more than 4096 sizes"),
        (
            ["sweep", "pit_s_224", "--image-sizes", "224", "--format", "xml"],
            "error: --format expects one of table, markdown, json, csv, got 'xml'"
        ),
    ])
    func usageErrors(_ arguments: [String], _ firstLine: String) {
        let captured = Captured()
        #expect(VitScope.run(arguments, console: captured.console) == .usage)
        #expect(captured.err.split(separator: "\n").first.map(String.init) == firstLine)
    }
}
