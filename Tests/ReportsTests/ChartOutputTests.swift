import Testing

@testable import Reports

/// Small charts pinned byte for byte: layout, ticks, styles, escaping and number formatting.
@Suite("Chart SVG output")
struct ChartOutputTests {
    @Test func lineChartIsExact() {
        var chart = LineChart(
            title: "Demo", x: ChartAxis("side (px)", includeZero: false), y: ChartAxis("MACs (G)"),
            series: [
                LineChart.Series("a", [ChartPoint(1, 1), ChartPoint(2, 4)]),
                LineChart.Series("b & c", [ChartPoint(1, 2), ChartPoint(2, 3)], style: 2),
            ])
        chart.width = 320
        chart.height = 200
        #expect(
            chart.svg() == """
                <svg xmlns="http://www.w3.org/2000/svg" width="320" height="200" viewBox="0 0 320 200" role="img" aria-label="Demo" font-family="Helvetica, Arial, 'DejaVu Sans', 'Liberation Sans', sans-serif" font-size="13" fill="#222222">
                <title>Demo</title>
                <rect width="320" height="200" fill="#ffffff"/>
                <text x="16" y="28" font-size="17" font-weight="bold" fill="#222222">Demo</text>
                <g stroke="#e3e3e3" stroke-width="1"><line x1="49" y1="142" x2="220.3" y2="142"/><line x1="49" y1="119" x2="220.3" y2="119"/><line x1="49" y1="96" x2="220.3" y2="96"/><line x1="49" y1="73" x2="220.3" y2="73"/><line x1="49" y1="50" x2="220.3" y2="50"/><line x1="49" y1="50" x2="49" y2="142"/><line x1="83.2" y1="50" x2="83.2" y2="142"/><line x1="117.5" y1="50" x2="117.5" y2="142"/><line x1="151.8" y1="50" x2="151.8" y2="142"/><line x1="186" y1="50" x2="186" y2="142"/><line x1="220.3" y1="50" x2="220.3" y2="142"/></g>
                <g stroke="#444444" stroke-width="1.2"><line x1="49" y1="142" x2="220.3" y2="142"/><line x1="49" y1="50" x2="49" y2="142"/></g>
                <g fill="#555555"><text x="41" y="146" text-anchor="end" font-size="12">0</text><text x="41" y="123" text-anchor="end" font-size="12">1</text><text x="41" y="100" text-anchor="end" font-size="12">2</text><text x="41" y="77" text-anchor="end" font-size="12">3</text><text x="41" y="54" text-anchor="end" font-size="12">4</text><text x="49" y="160" text-anchor="middle" font-size="12">1.0</text><text x="83.2" y="160" text-anchor="middle" font-size="12">1.2</text><text x="117.5" y="160" text-anchor="middle" font-size="12">1.4</text><text x="151.8" y="160" text-anchor="middle" font-size="12">1.6</text><text x="186" y="160" text-anchor="middle" font-size="12">1.8</text><text x="220.3" y="160" text-anchor="middle" font-size="12">2.0</text></g>
                <text x="134.6" y="186" text-anchor="middle" fill="#222222">side (px)</text><text x="18" y="96" text-anchor="middle" fill="#222222" transform="rotate(-90 18 96)">MACs (G)</text>
                <g><polyline points="49,96 220.3,73" fill="none" stroke="#009E73" stroke-width="3" stroke-linejoin="round" stroke-dasharray="2 3"/><path d="M49 89.5L55.4 101.2L42.5 101.2Z" fill="#009E73" stroke="#ffffff" stroke-width="1"/><path d="M220.3 66.5L226.8 78.2L213.8 78.2Z" fill="#009E73" stroke="#ffffff" stroke-width="1"/></g>
                <g><polyline points="49,119 220.3,50" fill="none" stroke="#0072B2" stroke-width="2" stroke-linejoin="round"/><circle cx="49" cy="119" r="4" fill="#0072B2" stroke="#ffffff" stroke-width="1"/><circle cx="220.3" cy="50" r="4" fill="#0072B2" stroke="#ffffff" stroke-width="1"/></g>
                <g font-size="13"><polyline points="238.3,60 262.3,60" fill="none" stroke="#0072B2" stroke-width="2" stroke-linejoin="round"/><circle cx="250.3" cy="60" r="4" fill="#0072B2" stroke="#ffffff" stroke-width="1"/><text x="270.3" y="64.5">a</text><polyline points="238.3,82 262.3,82" fill="none" stroke="#009E73" stroke-width="3" stroke-linejoin="round" stroke-dasharray="2 3"/><path d="M250.3 75.5L256.8 87.2L243.8 87.2Z" fill="#009E73" stroke="#ffffff" stroke-width="1"/><text x="270.3" y="86.5">b &amp; c</text></g>
                </svg>

                """)
    }

    @Test func barChartIsExact() {
        var bars = BarChart(
            title: "Bars", subtitle: "sub", categories: ["p", "q\nr"], xTitle: "c", y: ChartAxis("v"),
            series: [BarChart.Series("s", [1, 2]), BarChart.Series("t", [2, 0.5])], valueDecimals: 1)
        bars.width = 300
        bars.height = 200
        #expect(
            bars.svg() == """
                <svg xmlns="http://www.w3.org/2000/svg" width="300" height="200" viewBox="0 0 300 200" role="img" aria-label="Bars" font-family="Helvetica, Arial, 'DejaVu Sans', 'Liberation Sans', sans-serif" font-size="13" fill="#222222">
                <title>Bars</title>
                <rect width="300" height="200" fill="#ffffff"/>
                <text x="16" y="28" font-size="17" font-weight="bold" fill="#222222">Bars</text>
                <text x="16" y="48" font-size="12" fill="#555555">sub</text>
                <g stroke="#e3e3e3" stroke-width="1"><line x1="62.9" y1="128" x2="230.5" y2="128"/><line x1="62.9" y1="113" x2="230.5" y2="113"/><line x1="62.9" y1="98" x2="230.5" y2="98"/><line x1="62.9" y1="83" x2="230.5" y2="83"/><line x1="62.9" y1="68" x2="230.5" y2="68"/></g>
                <g stroke="#444444" stroke-width="1.2"><line x1="62.9" y1="128" x2="230.5" y2="128"/><line x1="62.9" y1="68" x2="62.9" y2="128"/></g>
                <g fill="#555555"><text x="54.9" y="132" text-anchor="end" font-size="12">0.0</text><text x="54.9" y="117" text-anchor="end" font-size="12">0.5</text><text x="54.9" y="102" text-anchor="end" font-size="12">1.0</text><text x="54.9" y="87" text-anchor="end" font-size="12">1.5</text><text x="54.9" y="72" text-anchor="end" font-size="12">2.0</text><text x="104.8" y="146" text-anchor="middle" font-size="12">p</text><text x="188.6" y="146" text-anchor="middle" font-size="12">q</text><text x="188.6" y="160" text-anchor="middle" font-size="12">r</text></g>
                <text x="146.7" y="186" text-anchor="middle" fill="#222222">c</text><text x="18" y="98" text-anchor="middle" fill="#222222" transform="rotate(-90 18 98)">v</text>
                <defs><pattern id="hatch1" width="6" height="6" patternUnits="userSpaceOnUse" patternTransform="rotate(45)"><rect width="6" height="6" fill="#ffffff"/><line x1="0" y1="0" x2="0" y2="6" stroke="#D55E00" stroke-width="3"/></pattern></defs>
                <rect x="75.6" y="98" width="28.2" height="30" fill="#0072B2" stroke="#0072B2" stroke-width="1.5"/>
                <text x="89.7" y="93" text-anchor="middle" font-size="11" fill="#222222">1.0</text>
                <rect x="105.8" y="68" width="28.2" height="60" fill="url(#hatch1)" stroke="#D55E00" stroke-width="1.5"/>
                <text x="119.9" y="63" text-anchor="middle" font-size="11" fill="#222222">2.0</text>
                <rect x="159.4" y="68" width="28.2" height="60" fill="#0072B2" stroke="#0072B2" stroke-width="1.5"/>
                <text x="173.5" y="63" text-anchor="middle" font-size="11" fill="#222222">2.0</text>
                <rect x="189.6" y="113" width="28.2" height="15" fill="url(#hatch1)" stroke="#D55E00" stroke-width="1.5"/>
                <text x="203.6" y="108" text-anchor="middle" font-size="11" fill="#222222">0.5</text>
                <g font-size="13"><rect x="252.5" y="71" width="16" height="14" fill="#0072B2" stroke="#0072B2" stroke-width="1.5"/><text x="280.5" y="82.5">s</text><rect x="252.5" y="93" width="16" height="14" fill="url(#hatch1)" stroke="#D55E00" stroke-width="1.5"/><text x="280.5" y="104.5">t</text></g>
                </svg>

                """)
    }
}
