import JSONOutput
import Testing

@testable import Reports

@Suite("Number formatting")
struct NumberFormatTests {
    @Test func groupsThousands() {
        #expect(NumberFormat.grouped(0) == "0")
        #expect(NumberFormat.grouped(999) == "999")
        #expect(NumberFormat.grouped(1_000) == "1,000")
        #expect(NumberFormat.grouped(22_050_664) == "22,050,664")
        #expect(NumberFormat.grouped(-1_234_567) == "-1,234,567")
        #expect(NumberFormat.grouped(Int.max) == "9,223,372,036,854,775,807")
        #expect(NumberFormat.grouped(Int.min) == "-9,223,372,036,854,775,808")
    }

    @Test func scalesExactlyAndRoundsHalfUp() {
        #expect(NumberFormat.millions(22_050_664) == "22.05")
        #expect(NumberFormat.millions(22_055_000) == "22.06")
        #expect(NumberFormat.millions(22_054_999) == "22.05")
        #expect(NumberFormat.millions(999_999_999) == "1000.00")
        #expect(NumberFormat.billions(4_598_882_304) == "4.599")
        #expect(NumberFormat.billions(0) == "0.000")
        #expect(NumberFormat.scaled(4_847_272, 1_000_000, decimals: 1) == "4.8")
        #expect(NumberFormat.scaled(19_997_480, 1_000_000, decimals: 0) == "20")
        #expect(NumberFormat.scaled(-1_500_000, 1_000_000, decimals: 0) == "-2")
        #expect(NumberFormat.billions(Int.max) == "9223372036.855")
        #expect(NumberFormat.scaled(Int.max, 1, decimals: 2) == "∞")
    }

    @Test func sharesAndRatios() {
        #expect(NumberFormat.percent(670_000_000, of: 2_870_796_096) == "23.3%")
        #expect(NumberFormat.percent(1, of: 3) == "33.3%")
        #expect(NumberFormat.percent(5, of: 0) == "-")
        #expect(NumberFormat.percent(Int.max, of: Int.max) == "100.0%")
        #expect(NumberFormat.ratio(2_870_796_096, 4_598_882_304) == "0.62×")
        #expect(NumberFormat.ratio(1, 0) == "-")
    }

    @Test func publishedFiguresKeepTheirPrecision() {
        #expect(NumberFormat.published(23.5) == "23.5")
        #expect(NumberFormat.published(20) == "20")
        #expect(NumberFormat.publishedDecimals(193.2) == 1)
        #expect(NumberFormat.publishedDecimals(277) == 0)
        #expect(NumberFormat.grid([27, 27]) == "27×27")
        #expect(NumberFormat.grid(nil) == "-")
    }

    @Test func tablesAlignAndEscape() {
        var table = TextTable(headers: ["a", "value"], alignments: [.left, .right])
        table.append(["x|y", "1"])
        table.append(["total", "10"], ruleBefore: true)
        #expect(table.text() == "a      value\n─────  ─────\nx|y        1\n─────  ─────\ntotal     10\n")
        #expect(table.markdown() == "| a | value |\n|:---|---:|\n| x\\|y | 1 |\n| total | 10 |\n")
    }

    @Test func jsonTextIsStable() {
        let value = JSONText.object([
            ("b", .int(1)), ("a", .array([.int(1), .string("q\"\n")])), ("c", .null),
            ("d", .object([])), ("e", .double(.infinity)),
        ])
        #expect(value.rendered() == "{\n  \"b\": 1,\n  \"a\": [1, \"q\\\"\\n\"],\n  \"c\": null,\n  \"d\": {},\n  \"e\": null\n}")
    }
}
