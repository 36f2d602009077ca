import Foundation

/// Escapes text for XML/HTML content and attribute values.
public func xmlEscape(_ s: String) -> String {
    var out = ""
    out.reserveCapacity(s.count)
    for ch in s {
        switch ch {
        case "&": out += "&amp;"
        case "<": out += "&lt;"
        case ">": out += "&gt;"
        case "\"": out += "&quot;"
        case "'": out += "&#39;"
        default: out.append(ch)
        }
    }
    return out
}

/// Small inline-SVG charts drawn by the project: horizontal (stacked) bars with labels, axes,
/// a legend and optional markers, and a scatter plot with a highlighted front. All text is escaped.
public enum SVGChart {
    /// A colour-blind-friendly palette (Okabe–Ito, then greys).
    public static let palette = ["#0072B2", "#E69F00", "#D55E00", "#CC79A7", "#009E73", "#56B4E9", "#F0E442", "#999999"]

    /// One horizontal bar: stacked segments (values in series order), an optional marker (e.g.
    /// the physical bound) and a note printed right of the bar.
    public struct Row: Sendable {
        public var label: String
        public var segments: [Double]
        public var marker: Double?
        public var note: String
        public init(label: String, segments: [Double], marker: Double? = nil, note: String = "") {
            self.label = label; self.segments = segments; self.marker = marker; self.note = note
        }
    }

    /// Horizontal bar chart, one row per item; several segments per row stack left to right.
    /// - Parameters:
    ///   - series: names of the segments (the legend), coloured from `colors` or the palette.
    ///   - markerLabel: legend text of the marker (a black tick across the bar).
    ///   - axisLabel: text under the value axis (with its unit).
    ///   - grouped: draw the segments as separate thin bars one under another instead of stacking.
    public static func horizontalBars(id: String, title: String, rows: [Row], series: [String], colors: [String]? = nil,
                                      markerLabel: String? = nil, axisLabel: String, width: Int = 1100,
                                      grouped: Bool = false, reference: Double? = nil, referenceLabel: String? = nil,
                                      format: (Double) -> String = SVGChart.compact) -> String {
        let colors = colors ?? palette
        let labelW = min(260, max(80, 7 * (rows.map(\.label.count).max() ?? 10) + 12))
        let noteW = rows.contains { !$0.note.isEmpty } ? 150 : 20
        let barH = grouped ? 7 * max(1, series.count) + 4 : 16, gap = 6
        let top = 58, plotW = width - labelW - noteW - 10
        let height = top + rows.count * (barH + gap) + 46
        let maxV = max(1e-12, rows.map { r in grouped ? (r.segments.max() ?? 0) : r.segments.reduce(0, +) }.max() ?? 0,
                       rows.compactMap(\.marker).max() ?? 0, reference ?? 0)
        let ticks = niceTicks(maxV)
        let scaleMax = ticks.last ?? maxV
        func x(_ v: Double) -> Double { Double(labelW) + Double(plotW) * v / scaleMax }
        var s = "<svg xmlns=\"http://www.w3.org/2000/svg\" id=\"\(xmlEscape(id))\" class=\"chart\" width=\"\(width)\" height=\"\(height)\" viewBox=\"0 0 \(width) \(height)\" role=\"img\" aria-label=\"\(xmlEscape(title))\">\n"
        s += "<title>\(xmlEscape(title))</title>\n"
        s += "<text x=\"\(labelW)\" y=\"18\" class=\"ct\">\(xmlEscape(title))</text>\n"
        // Legend.
        var lx = Double(labelW)
        for (i, name) in series.enumerated() {
            s += "<rect x=\"\(f(lx))\" y=\"30\" width=\"12\" height=\"12\" fill=\"\(colors[i % colors.count])\"/>"
            s += "<text x=\"\(f(lx + 16))\" y=\"40\" class=\"lg\">\(xmlEscape(name))</text>\n"
            lx += 16 + Double(name.count) * 6.6 + 18
        }
        if let m = markerLabel {
            s += "<rect x=\"\(f(lx + 5))\" y=\"28\" width=\"3\" height=\"16\" fill=\"#000\"/><text x=\"\(f(lx + 14))\" y=\"40\" class=\"lg\">\(xmlEscape(m))</text>\n"
            lx += 14 + Double(m.count) * 6.6 + 18
        }
        if let r = reference, let rl = referenceLabel {
            s += "<line x1=\"\(f(lx))\" y1=\"36\" x2=\"\(f(lx + 18))\" y2=\"36\" class=\"ref\"/><text x=\"\(f(lx + 22))\" y=\"40\" class=\"lg\">\(xmlEscape(rl))</text>\n"
            _ = r
        }
        // Grid and axis.
        let plotBottom = top + rows.count * (barH + gap)
        for t in ticks {
            s += "<line x1=\"\(f(x(t)))\" y1=\"\(top - 4)\" x2=\"\(f(x(t)))\" y2=\"\(plotBottom)\" class=\"grid\"/>"
            s += "<text x=\"\(f(x(t)))\" y=\"\(plotBottom + 14)\" class=\"tick\" text-anchor=\"middle\">\(xmlEscape(format(t)))</text>\n"
        }
        s += "<line x1=\"\(labelW)\" y1=\"\(plotBottom)\" x2=\"\(labelW + plotW)\" y2=\"\(plotBottom)\" class=\"axis\"/>\n"
        s += "<line x1=\"\(labelW)\" y1=\"\(top - 4)\" x2=\"\(labelW)\" y2=\"\(plotBottom)\" class=\"axis\"/>\n"
        s += "<text x=\"\(f(Double(labelW) + Double(plotW) / 2))\" y=\"\(plotBottom + 34)\" class=\"al\" text-anchor=\"middle\">\(xmlEscape(axisLabel))</text>\n"
        // Bars.
        for (i, r) in rows.enumerated() {
            let y = top + i * (barH + gap)
            s += "<g class=\"bar\"><title>\(xmlEscape(r.label + ": " + zip(series, r.segments).map { "\($0) \(format($1))" }.joined(separator: ", ") + (r.marker.map { " — \(markerLabel ?? "marker") \(format($0))" } ?? "")))</title>"
            s += "<text x=\"\(labelW - 6)\" y=\"\(y + barH / 2 + 4)\" class=\"rl\" text-anchor=\"end\">\(xmlEscape(r.label))</text>"
            var acc = 0.0
            for (j, v) in r.segments.enumerated() where v > 0 {
                let c = colors[j % colors.count]
                if grouped {
                    s += "<rect x=\"\(labelW)\" y=\"\(y + 2 + j * 7)\" width=\"\(f(x(v) - Double(labelW)))\" height=\"6\" fill=\"\(c)\"/>"
                } else {
                    s += "<rect x=\"\(f(x(acc)))\" y=\"\(y)\" width=\"\(f(max(0.5, x(acc + v) - x(acc))))\" height=\"\(barH)\" fill=\"\(c)\"/>"
                    acc += v
                }
            }
            if let m = r.marker {
                s += "<rect x=\"\(f(x(m) - 1.5))\" y=\"\(y - 3)\" width=\"3\" height=\"\(barH + 6)\" fill=\"#000\" class=\"marker\"/>"
            }
            if !r.note.isEmpty {
                s += "<text x=\"\(labelW + plotW + 8)\" y=\"\(y + barH / 2 + 4)\" class=\"nt\">\(xmlEscape(r.note))</text>"
            }
            s += "</g>\n"
        }
        if let r = reference {
            s += "<line x1=\"\(f(x(r)))\" y1=\"\(top - 4)\" x2=\"\(f(x(r)))\" y2=\"\(plotBottom)\" class=\"ref\"/>\n"
        }
        return s + "</svg>"
    }

    /// One point of a scatter plot.
    public struct Point: Sendable {
        public var x: Double, y: Double, label: String, highlighted: Bool
        public init(x: Double, y: Double, label: String, highlighted: Bool) {
            self.x = x; self.y = y; self.label = label; self.highlighted = highlighted
        }
    }

    /// Scatter plot on log–log axes; highlighted points are joined by a staircase (a Pareto front).
    public static func scatter(id: String, title: String, points: [Point], xLabel: String, yLabel: String,
                               highlightLabel: String, width: Int = 1000, height: Int = 560) -> String {
        let left = 90, right = 30, top = 50, bottom = 60
        let pw = Double(width - left - right), ph = Double(height - top - bottom)
        let xs = points.map(\.x).filter { $0 > 0 }, ys = points.map(\.y).filter { $0 > 0 }
        let x0 = floor(log10(xs.min() ?? 1)), x1 = max(x0 + 1, ceil(log10(xs.max() ?? 10)))
        let y0 = floor(log10(ys.min() ?? 1)), y1 = max(y0 + 1, ceil(log10(ys.max() ?? 10)))
        func px(_ v: Double) -> Double { Double(left) + pw * (log10(max(v, 1e-12)) - x0) / (x1 - x0) }
        func py(_ v: Double) -> Double { Double(top) + ph * (1 - (log10(max(v, 1e-12)) - y0) / (y1 - y0)) }
        var s = "<svg xmlns=\"http://www.w3.org/2000/svg\" id=\"\(xmlEscape(id))\" class=\"chart\" width=\"\(width)\" height=\"\(height)\" viewBox=\"0 0 \(width) \(height)\" role=\"img\" aria-label=\"\(xmlEscape(title))\">\n"
        s += "<title>\(xmlEscape(title))</title><text x=\"\(left)\" y=\"20\" class=\"ct\">\(xmlEscape(title))</text>\n"
        s += "<circle cx=\"\(left + 6)\" cy=\"36\" r=\"5\" class=\"pt\"/><text x=\"\(left + 16)\" y=\"40\" class=\"lg\">configuration</text>"
        s += "<circle cx=\"\(left + 136)\" cy=\"36\" r=\"6\" class=\"pf\"/><text x=\"\(left + 146)\" y=\"40\" class=\"lg\">\(xmlEscape(highlightLabel))</text>\n"
        for e in stride(from: Int(x0), through: Int(x1), by: 1) {
            let v = pow(10, Double(e))
            s += "<line x1=\"\(f(px(v)))\" y1=\"\(top)\" x2=\"\(f(px(v)))\" y2=\"\(Double(top) + ph)\" class=\"grid\"/><text x=\"\(f(px(v)))\" y=\"\(f(Double(top) + ph + 16))\" class=\"tick\" text-anchor=\"middle\">\(compact(v))</text>\n"
            if e < Int(x1) && x1 - x0 <= 3 {
                for m in [2.0, 5.0] {
                    s += "<line x1=\"\(f(px(m * v)))\" y1=\"\(top)\" x2=\"\(f(px(m * v)))\" y2=\"\(Double(top) + ph)\" class=\"grid minor\"/><text x=\"\(f(px(m * v)))\" y=\"\(f(Double(top) + ph + 16))\" class=\"tick\" text-anchor=\"middle\">\(compact(m * v))</text>\n"
                }
            }
        }
        for e in stride(from: Int(y0), through: Int(y1), by: 1) {
            let v = pow(10, Double(e))
            s += "<line x1=\"\(left)\" y1=\"\(f(py(v)))\" x2=\"\(f(Double(left) + pw))\" y2=\"\(f(py(v)))\" class=\"grid\"/><text x=\"\(left - 6)\" y=\"\(f(py(v) + 4))\" class=\"tick\" text-anchor=\"end\">\(compact(v))</text>\n"
            // Minor ticks at 2× and 5× when there are few decades.
            if e < Int(y1) && y1 - y0 <= 3 {
                for m in [2.0, 5.0] {
                    s += "<line x1=\"\(left)\" y1=\"\(f(py(m * v)))\" x2=\"\(f(Double(left) + pw))\" y2=\"\(f(py(m * v)))\" class=\"grid minor\"/><text x=\"\(left - 6)\" y=\"\(f(py(m * v) + 4))\" class=\"tick\" text-anchor=\"end\">\(compact(m * v))</text>\n"
                }
            }
        }
        s += "<rect x=\"\(left)\" y=\"\(top)\" width=\"\(f(pw))\" height=\"\(f(ph))\" class=\"frame\"/>\n"
        s += "<text x=\"\(f(Double(left) + pw / 2))\" y=\"\(height - 18)\" class=\"al\" text-anchor=\"middle\">\(xmlEscape(xLabel))</text>\n"
        s += "<text x=\"18\" y=\"\(f(Double(top) + ph / 2))\" class=\"al\" text-anchor=\"middle\" transform=\"rotate(-90 18 \(f(Double(top) + ph / 2)))\">\(xmlEscape(yLabel))</text>\n"
        let front = points.filter(\.highlighted).sorted { $0.x < $1.x }
        if front.count > 1 {
            var d = "M\(f(px(front[0].x))),\(f(py(front[0].y)))"
            for p in front.dropFirst() { d += " H\(f(px(p.x))) V\(f(py(p.y)))" }
            s += "<path d=\"\(d)\" class=\"front\"/>\n"
        }
        for p in points.sorted(by: { !$0.highlighted && $1.highlighted }) {
            s += "<g><title>\(xmlEscape(p.label))</title><circle cx=\"\(f(px(p.x)))\" cy=\"\(f(py(p.y)))\" r=\"\(p.highlighted ? 6 : 4.5)\" class=\"\(p.highlighted ? "pf" : "pt")\"/>"
            if p.highlighted { s += "<text x=\"\(f(px(p.x) + 8))\" y=\"\(f(py(p.y) - 8))\" class=\"pl\">\(xmlEscape(p.label))</text>" }
            s += "</g>\n"
        }
        return s + "</svg>"
    }

    /// One line of a line chart: its points in x order, drawn with a marker at each.
    public struct Line: Sendable {
        public var name: String
        public var points: [(x: Double, y: Double)]
        public init(name: String, points: [(x: Double, y: Double)]) { self.name = name; self.points = points }
    }

    /// Line chart on linear axes: x from 0 to `xMax`, y over the data and `levels` (horizontal
    /// dashed reference lines, e.g. a dense or a baseline figure), each line in palette order.
    public static func lines(id: String, title: String, lines: [Line], levels: [(name: String, y: Double)], xLabel: String,
                             yLabel: String, xMax: Double = 1, width: Int = 1000, height: Int = 480) -> String {
        let left = 70, right = 200, top = 40, bottom = 56
        let pw = Double(width - left - right), ph = Double(height - top - bottom)
        let ys = lines.flatMap { $0.points.map(\.y) } + levels.map(\.y)
        let lo = floor((ys.min() ?? 0) - 1), hi = ceil((ys.max() ?? 1) + 1)
        func px(_ v: Double) -> Double { Double(left) + pw * v / xMax }
        func py(_ v: Double) -> Double { Double(top) + ph * (1 - (v - lo) / max(1e-9, hi - lo)) }
        var s = "<svg xmlns=\"http://www.w3.org/2000/svg\" id=\"\(xmlEscape(id))\" class=\"chart\" width=\"\(width)\" height=\"\(height)\" viewBox=\"0 0 \(width) \(height)\" role=\"img\" aria-label=\"\(xmlEscape(title))\">\n"
        s += "<title>\(xmlEscape(title))</title><text x=\"\(left)\" y=\"20\" class=\"ct\">\(xmlEscape(title))</text>\n"
        for t in 0...10 {
            let v = xMax * Double(t) / 10
            s += "<line x1=\"\(f(px(v)))\" y1=\"\(top)\" x2=\"\(f(px(v)))\" y2=\"\(f(Double(top) + ph))\" class=\"grid\"/><text x=\"\(f(px(v)))\" y=\"\(f(Double(top) + ph + 16))\" class=\"tick\" text-anchor=\"middle\">\(String(format: "%.1f", v))</text>\n"
        }
        let step = max(1, ((hi - lo) / 8).rounded(.up))
        for v in stride(from: lo, through: hi, by: step) {
            s += "<line x1=\"\(left)\" y1=\"\(f(py(v)))\" x2=\"\(f(Double(left) + pw))\" y2=\"\(f(py(v)))\" class=\"grid\"/><text x=\"\(left - 6)\" y=\"\(f(py(v) + 4))\" class=\"tick\" text-anchor=\"end\">\(String(format: "%.0f", v))</text>\n"
        }
        s += "<rect x=\"\(left)\" y=\"\(top)\" width=\"\(f(pw))\" height=\"\(f(ph))\" class=\"frame\"/>\n"
        s += "<text x=\"\(f(Double(left) + pw / 2))\" y=\"\(height - 16)\" class=\"al\" text-anchor=\"middle\">\(xmlEscape(xLabel))</text>\n"
        s += "<text x=\"16\" y=\"\(f(Double(top) + ph / 2))\" class=\"al\" text-anchor=\"middle\" transform=\"rotate(-90 16 \(f(Double(top) + ph / 2)))\">\(xmlEscape(yLabel))</text>\n"
        var legendY = top + 10
        for (i, l) in levels.enumerated() {
            let c = palette[(lines.count + i) % palette.count]
            s += "<line x1=\"\(left)\" y1=\"\(f(py(l.y)))\" x2=\"\(f(Double(left) + pw))\" y2=\"\(f(py(l.y)))\" stroke=\"\(c)\" stroke-dasharray=\"6 4\"/>\n"
            s += "<text x=\"\(f(Double(left) + pw + 10))\" y=\"\(legendY)\" class=\"lg\" fill=\"\(c)\">— \(xmlEscape(l.name)) \(String(format: "%.2f", l.y))</text>\n"
            legendY += 18
        }
        for (i, l) in lines.enumerated() {
            let c = palette[i % palette.count]
            let d = l.points.enumerated().map { ($0.offset == 0 ? "M" : "L") + "\(f(px($0.element.x))),\(f(py($0.element.y)))" }.joined(separator: " ")
            s += "<path d=\"\(d)\" fill=\"none\" stroke=\"\(c)\" stroke-width=\"2\"/>\n"
            for p in l.points {
                s += "<circle cx=\"\(f(px(p.x)))\" cy=\"\(f(py(p.y)))\" r=\"4\" fill=\"\(c)\"><title>\(xmlEscape(l.name)): \(String(format: "%.3f", p.x)), \(String(format: "%.2f", p.y))</title></circle>\n"
            }
            s += "<text x=\"\(f(Double(left) + pw + 10))\" y=\"\(legendY)\" class=\"lg\" fill=\"\(c)\">● \(xmlEscape(l.name))</text>\n"
            legendY += 18
        }
        return s + "</svg>"
    }

    /// "Nice" axis ticks from 0 to at least `maxValue` (1, 2 or 5 × 10^n steps, 4–8 ticks).
    public static func niceTicks(_ maxValue: Double) -> [Double] {
        guard maxValue > 0, maxValue.isFinite else { return [0, 1] }
        let raw = maxValue / 5
        let mag = pow(10, floor(log10(raw)))
        let step = [1.0, 2, 5, 10].map { $0 * mag }.first { $0 >= raw } ?? 10 * mag
        let n = Int(ceil(maxValue / step - 1e-9))
        return (0...max(1, n)).map { Double($0) * step }
    }

    /// 1234567 → "1.23M", 0.5 → "0.5".
    public static func compact(_ v: Double) -> String {
        let a = abs(v)
        func t(_ x: Double, _ suffix: String) -> String {
            var s = String(format: "%.2f", x)
            while s.contains(".") && (s.hasSuffix("0") || s.hasSuffix(".")) { s.removeLast() }
            return s + suffix
        }
        if a >= 1e9 { return t(v / 1e9, "G") }
        if a >= 1e6 { return t(v / 1e6, "M") }
        if a >= 1e3 { return t(v / 1e3, "k") }
        return t(v, "")
    }

    static func f(_ v: Double) -> String { String(format: "%.1f", v) }

    /// CSS for the chart classes, included once per page.
    public static let css = """
    svg.chart { font-family: system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; background: #fff; }
    svg.chart .ct { font-size: 15px; font-weight: 600; fill: #222; }
    svg.chart .lg { font-size: 12px; fill: #333; }
    svg.chart .rl { font-size: 12px; fill: #222; font-family: ui-monospace, Menlo, Consolas, monospace; }
    svg.chart .nt { font-size: 12px; fill: #444; font-family: ui-monospace, Menlo, Consolas, monospace; }
    svg.chart .tick { font-size: 11px; fill: #555; }
    svg.chart .al { font-size: 12px; fill: #333; }
    svg.chart .grid { stroke: #e4e4e4; stroke-width: 1; }
    svg.chart .grid.minor { stroke: #f0f0f0; stroke-dasharray: 2 3; }
    svg.chart .axis { stroke: #444; stroke-width: 1; }
    svg.chart .frame { fill: none; stroke: #888; }
    svg.chart .ref { stroke: #c00; stroke-width: 1.5; stroke-dasharray: 5 3; }
    svg.chart .pt { fill: #9db7d5; stroke: #4a6d94; }
    svg.chart .pf { fill: #D55E00; stroke: #7a2f00; }
    svg.chart .pl { font-size: 11px; fill: #7a2f00; }
    svg.chart .front { fill: none; stroke: #D55E00; stroke-width: 1.5; stroke-dasharray: 4 3; }
    svg.chart g.bar:hover text.rl { font-weight: 700; }
    """
}
