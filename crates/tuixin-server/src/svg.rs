//! A small SVG writer for the web page's charts, drawn on the server: a line chart (rates over
//! time, with threshold lines) and horizontal bars (counts by reason, category or domain).
//! Every text is escaped here, so the output may go into a page as it is; the look comes from
//! class names styled by the static CSS (no inline style: the CSP forbids it).

use std::fmt::Write;

/// `text` escaped for XML text and attribute values.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            // Control characters are not allowed in XML 1.0; show nothing for them.
            c if c.is_control() && c != '\n' && c != '\t' => {}
            c => out.push(c),
        }
    }
    out
}

/// One line of a line chart: a value per x position (None: unknown, a gap in the line).
#[derive(Debug, Clone)]
pub struct Line {
    /// What it shows (in the legend and the title of each point).
    pub label: String,
    /// Its CSS class (`line-bounce`, ...).
    pub class: &'static str,
    /// One value per x position.
    pub values: Vec<Option<f64>>,
}

/// A horizontal rule at a value (a provider's threshold).
#[derive(Debug, Clone)]
pub struct Rule {
    /// Its label.
    pub label: String,
    /// Its CSS class (`rule-warning`, `rule-limit`).
    pub class: &'static str,
    /// The value it is drawn at.
    pub value: f64,
}

/// A line chart of values over time.
#[derive(Debug, Clone)]
pub struct LineChart {
    /// What the chart shows (its accessible title).
    pub title: String,
    /// A label per x position (the bucket's time); a few are drawn.
    pub x_labels: Vec<String>,
    /// The lines.
    pub lines: Vec<Line>,
    /// Threshold rules.
    pub rules: Vec<Rule>,
    /// How a value is written on the y axis and in titles.
    pub format: fn(f64) -> String,
}

const WIDTH: f64 = 720.0;
const HEIGHT: f64 = 240.0;
const LEFT: f64 = 64.0;
const RIGHT: f64 = 16.0;
const TOP: f64 = 16.0;
const BOTTOM: f64 = 40.0;

fn num(v: f64) -> String {
    format!("{v:.1}")
}

impl LineChart {
    /// The chart as an `<svg>` element.
    pub fn render(&self) -> String {
        let n = self.x_labels.len().max(1);
        let known = self.lines.iter().flat_map(|l| l.values.iter().flatten()).copied();
        let max = known
            .chain(self.rules.iter().map(|r| r.value))
            .fold(0.0_f64, f64::max)
            .max(f64::MIN_POSITIVE);
        let top = max * 1.1;
        let plot_w = WIDTH - LEFT - RIGHT;
        let plot_h = HEIGHT - TOP - BOTTOM;
        let x = |i: usize| {
            if n == 1 { LEFT + plot_w / 2.0 } else { LEFT + plot_w * i as f64 / (n - 1) as f64 }
        };
        let y = |v: f64| TOP + plot_h * (1.0 - v / top);
        let mut out = String::new();
        let _ = write!(
            out,
            r#"<svg xmlns="http://www.w3.org/2000/svg" class="chart" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" aria-label="{title}"><title>{title}</title>"#,
            title = escape(&self.title)
        );
        // Axes and four grid lines with their values.
        for k in 0..=4 {
            let v = top * k as f64 / 4.0;
            let _ = write!(
                out,
                r#"<line class="grid" x1="{LEFT}" x2="{}" y1="{yv}" y2="{yv}"/><text class="axis" x="{}" y="{}" text-anchor="end">{}</text>"#,
                WIDTH - RIGHT,
                LEFT - 6.0,
                num(y(v) + 4.0),
                escape(&(self.format)(v)),
                yv = num(y(v)),
            );
        }
        // At most 6 time labels, evenly spread.
        let step = n.div_ceil(6).max(1);
        for (i, label) in self.x_labels.iter().enumerate().step_by(step) {
            let _ = write!(
                out,
                r#"<text class="axis" x="{}" y="{}" text-anchor="middle">{}</text>"#,
                num(x(i)),
                num(HEIGHT - BOTTOM + 18.0),
                escape(label)
            );
        }
        for rule in &self.rules {
            let _ = write!(
                out,
                r#"<line class="rule {}" x1="{LEFT}" x2="{}" y1="{yv}" y2="{yv}"><title>{}</title></line>"#,
                rule.class,
                WIDTH - RIGHT,
                escape(&format!("{}: {}", rule.label, (self.format)(rule.value))),
                yv = num(y(rule.value)),
            );
        }
        for line in &self.lines {
            // One path, broken where the value is unknown.
            let mut d = String::new();
            let mut pen_down = false;
            for (i, v) in line.values.iter().enumerate() {
                match v {
                    Some(v) => {
                        let _ = write!(
                            d,
                            "{}{} {} ",
                            if pen_down { "L" } else { "M" },
                            num(x(i)),
                            num(y(*v))
                        );
                        pen_down = true;
                    }
                    None => pen_down = false,
                }
            }
            if !d.is_empty() {
                let _ = write!(out, r#"<path class="line {}" d="{}"/>"#, line.class, d.trim_end());
            }
            for (i, v) in line.values.iter().enumerate() {
                if let Some(v) = v {
                    let _ = write!(
                        out,
                        r#"<circle class="point {}" cx="{}" cy="{}" r="2.5"><title>{}</title></circle>"#,
                        line.class,
                        num(x(i)),
                        num(y(*v)),
                        escape(&format!(
                            "{} {}: {}",
                            self.x_labels.get(i).map_or("", String::as_str),
                            line.label,
                            (self.format)(*v)
                        ))
                    );
                }
            }
        }
        out.push_str("</svg>");
        out
    }
}

/// Horizontal bars, one per labelled count, longest first as given.
pub fn bars(title: &str, rows: &[(String, i64)], class: &str) -> String {
    let row_h = 22.0;
    let label_w = 200.0;
    let value_w = 70.0;
    let height = (rows.len().max(1) as f64) * row_h + 8.0;
    let max = rows.iter().map(|(_, v)| *v).max().unwrap_or(0).max(1) as f64;
    let bar_w = WIDTH - label_w - value_w;
    let mut out = String::new();
    let _ = write!(
        out,
        r#"<svg xmlns="http://www.w3.org/2000/svg" class="chart bars" viewBox="0 0 {WIDTH} {height}" role="img" aria-label="{t}"><title>{t}</title>"#,
        t = escape(title)
    );
    for (i, (label, value)) in rows.iter().enumerate() {
        let top = 4.0 + i as f64 * row_h;
        let w = (bar_w * *value as f64 / max).max(if *value > 0 { 1.0 } else { 0.0 });
        let shown: String = label.chars().take(32).collect();
        let _ = write!(
            out,
            r#"<text class="label" x="{}" y="{}" text-anchor="end">{}</text><rect class="bar {class}" x="{label_w}" y="{}" width="{}" height="{}"><title>{}</title></rect><text class="value" x="{}" y="{}">{value}</text>"#,
            label_w - 6.0,
            num(top + 15.0),
            escape(&shown),
            num(top + 3.0),
            num(w),
            num(row_h - 6.0),
            escape(&format!("{label}: {value}")),
            num(label_w + w + 6.0),
            num(top + 15.0),
        );
    }
    out.push_str("</svg>");
    out
}

/// A rate as a percentage with two decimals (`0.25 %`).
pub fn percent(rate: f64) -> String {
    format!("{:.2} %", rate * 100.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn chart(values: Vec<Option<f64>>) -> LineChart {
        LineChart {
            title: "Bounce rate <b>".into(),
            x_labels: (0..values.len()).map(|i| format!("11-{:02}", i + 1)).collect(),
            lines: vec![Line { label: "bounce".into(), class: "line-bounce", values }],
            rules: vec![Rule { label: "SES pause".into(), class: "rule-limit", value: 0.10 }],
            format: percent,
        }
    }

    #[test]
    fn a_line_breaks_where_the_rate_is_unknown_and_rules_are_drawn() {
        let svg = chart(vec![Some(0.01), Some(0.02), None, Some(0.04)]).render();
        let path = svg.split("<path ").nth(1).unwrap();
        let d = path.split("d=\"").nth(1).unwrap().split('"').next().unwrap();
        assert_eq!(d.matches('M').count(), 2, "two pieces around the gap: {d}");
        assert_eq!(d.matches('L').count(), 1, "{d}");
        assert_eq!(svg.matches("<circle").count(), 3);
        assert!(svg.contains("SES pause: 10.00 %"));
        assert!(svg.contains("Bounce rate &lt;b&gt;") && !svg.contains("<b>"));
    }

    #[test]
    fn the_threshold_is_inside_the_chart_even_when_every_rate_is_far_below() {
        let svg = chart(vec![Some(0.0), Some(0.0)]).render();
        let rule = svg.split("class=\"rule rule-limit\"").nth(1).unwrap();
        let y: f64 =
            rule.split("y1=\"").nth(1).unwrap().split('"').next().unwrap().parse().unwrap();
        assert!((TOP..HEIGHT - BOTTOM).contains(&y), "{y}");
    }

    #[test]
    fn hostile_labels_are_text() {
        let rows = vec![("<script>alert(1)</script>\u{1b}[31m".to_owned(), 3), ("b\"&'".into(), 1)];
        let svg = bars("by domain", &rows, "bar-domain");
        assert!(!svg.contains("<script>") && !svg.contains('\u{1b}'));
        assert!(svg.contains("&lt;script&gt;") && svg.contains("b&quot;&amp;&#39;"));
        // The longest bar is the largest count's.
        let widths: Vec<f64> = svg
            .split("width=\"")
            .skip(1)
            .map(|s| s.split('"').next().unwrap().parse().unwrap())
            .collect();
        assert!(widths[0] > widths[1] && widths[1] > 0.0, "{widths:?}");
    }
}
