namespace TailGuard.RuntimeProbe.Rendering.Html;

/// <summary>
/// The report's only stylesheet, inlined: system fonts, light and dark palettes (prefers-color-scheme), print rules. The
/// SVG charts are styled from here too, so one palette serves both. No '&lt;' or '&amp;' in it, so the document stays
/// well-formed XML.
/// </summary>
internal static class ReportStyles
{
    public const string Css = """
:root {
  color-scheme: light dark;
  --bg: #f6f7f9; --card: #ffffff; --fg: #1b2330; --muted: #5d6778; --line: #dde2ea; --grid: #e8ecf1; --plot: #fbfcfd;
  --accent: #1f5fd1; --good: #15803d; --good-bg: #dcfce7; --bad: #b91c1c; --bad-bg: #fee2e2; --warn: #a16207; --warn-bg: #fef3c7;
  --gc: #f59e0b; --starvation: #e11d48; --contention: #7c3aed; --unexplained: #94a3b8;
  --band-gc: 0.28; --band-gc2: 0.5; --band-starvation: 0.13; --band-contention: 0.22; --all-line: 0.18;
  --p50: #0f766e; --p99: #1f5fd1; --max: #8a94a6; --ref: #b91c1c; --bar: #9fb3cf;
  --s0: #2563eb; --s1: #0d9488; --s2: #c026d3; --s3: #65a30d; --s4: #ea580c; --s5: #92400e; --s6: #db2777; --s7: #1e3a8a; --sx: #8a94a6;
}
@media (prefers-color-scheme: dark) {
  :root {
    --bg: #0f141b; --card: #161d27; --fg: #e3e8ef; --muted: #98a3b3; --line: #2a3443; --grid: #222c39; --plot: #121922;
    --accent: #7fb0ff; --good: #4ade80; --good-bg: #12351f; --bad: #f87171; --bad-bg: #3b1518; --warn: #fbbf24; --warn-bg: #3a2c0c;
    --gc: #fbbf24; --starvation: #fb7185; --contention: #a78bfa; --unexplained: #64748b;
    --band-gc: 0.28; --band-gc2: 0.5; --band-starvation: 0.16; --band-contention: 0.25; --all-line: 0.3;
    --p50: #2dd4bf; --p99: #7fb0ff; --max: #7b8698; --ref: #f87171; --bar: #3f5573;
    --s0: #60a5fa; --s1: #2dd4bf; --s2: #e879f9; --s3: #a3e635; --s4: #fb923c; --s5: #facc15; --s6: #f472b6; --s7: #a5b4fc; --sx: #7b8698;
  }
}
* { box-sizing: border-box; }
body { margin: 0; background: var(--bg); color: var(--fg);
  font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif; }
main { max-width: 1180px; margin: 0 auto; padding: 24px 20px 40px; }
code, .mono { font-family: ui-monospace, "SF Mono", "Cascadia Mono", Menlo, Consolas, monospace; font-size: 12.5px; }
h1 { font-size: 22px; margin: 0; letter-spacing: -0.01em; }
h1 .brand { color: var(--accent); font-weight: 700; }
h2 { font-size: 16px; margin: 0 0 4px; }
h3 { font-size: 14px; margin: 18px 0 6px; }
p { margin: 6px 0; }
a { color: var(--accent); }
.muted, .caption { color: var(--muted); }
.caption { font-size: 12.5px; margin: 0 0 10px; max-width: 80em; }
header.report { display: flex; flex-wrap: wrap; gap: 8px 24px; align-items: baseline; justify-content: space-between; margin-bottom: 14px; }
.target { font-size: 13px; color: var(--muted); margin-top: 4px; }
.target code { color: var(--fg); overflow-wrap: anywhere; }
.badges { display: flex; gap: 8px; flex-wrap: wrap; }
.badge { display: inline-block; padding: 3px 10px; border-radius: 999px; font-size: 12px; font-weight: 600; border: 1px solid transparent; white-space: nowrap; }
.badge.good { color: var(--good); background: var(--good-bg); }
.badge.bad { color: var(--bad); background: var(--bad-bg); }
.badge.warn { color: var(--warn); background: var(--warn-bg); }
.badge.neutral { color: var(--muted); border-color: var(--line); }
.card { background: var(--card); border: 1px solid var(--line); border-radius: 10px; padding: 16px 18px; margin: 14px 0; overflow-x: auto; }
.stats { display: grid; grid-template-columns: repeat(auto-fit, minmax(130px, 1fr)); gap: 10px; margin: 12px 0 4px; }
.stat { background: var(--card); border: 1px solid var(--line); border-radius: 10px; padding: 10px 14px; }
.stat .label { font-size: 11.5px; text-transform: uppercase; letter-spacing: 0.06em; color: var(--muted); }
.stat .value { font-size: 24px; font-weight: 650; font-variant-numeric: tabular-nums; margin-top: 2px; }
.stat.tail .value { color: var(--p99); }
.stat.bad .value { color: var(--bad); }
.session { display: flex; flex-wrap: wrap; gap: 4px 22px; font-size: 13px; color: var(--muted); margin: 8px 0 0; }
.session b { color: var(--fg); font-weight: 600; font-variant-numeric: tabular-nums; }
.headline { font-size: 15px; margin: 12px 0 0; padding: 10px 14px; border-left: 4px solid var(--accent); background: var(--card); border-radius: 0 8px 8px 0; }
.note { margin: 8px 0 0; padding: 8px 12px; border-radius: 8px; background: var(--warn-bg); color: var(--fg); font-size: 13px; }
.note::before { content: "! "; font-weight: 700; color: var(--warn); }
.grid2 { display: grid; grid-template-columns: 1fr 1fr; gap: 14px; }
.grid2 > .card { margin: 0; }
@media (max-width: 900px) { .grid2 { grid-template-columns: 1fr; } }
table { border-collapse: collapse; width: 100%; font-variant-numeric: tabular-nums; font-size: 13px; }
th, td { padding: 5px 10px; border-bottom: 1px solid var(--line); text-align: left; vertical-align: top; }
th { font-size: 11.5px; text-transform: uppercase; letter-spacing: 0.05em; color: var(--muted); font-weight: 600; }
td.num, th.num { text-align: right; white-space: nowrap; }
tr.total td { font-weight: 650; }
td.frame code { overflow-wrap: anywhere; }
td.endpoint code { overflow-wrap: anywhere; }
.swatch { display: inline-block; width: 12px; height: 3px; border-radius: 2px; vertical-align: middle; margin-right: 8px; background: var(--c, var(--sx)); }
.swatch.all { height: 4px; background: var(--fg); }
.share { display: flex; align-items: center; gap: 8px; justify-content: flex-end; }
.share .track { width: 90px; height: 8px; background: var(--grid); border-radius: 4px; overflow: hidden; }
.share .fill { display: block; height: 100%; border-radius: 4px; }
.fill.gc, .chip.gc::before { background: var(--gc); }
.fill.starvation, .chip.starvation::before { background: var(--starvation); }
.fill.contention, .chip.contention::before { background: var(--contention); }
.fill.unexplained, .chip.unexplained::before { background: var(--unexplained); }
.chip { display: inline-flex; align-items: center; gap: 5px; font-size: 12px; margin-right: 10px; white-space: nowrap; }
.chip::before { content: ""; width: 9px; height: 9px; border-radius: 2px; }
.chip.minor { opacity: 0.6; }
.chip small { color: var(--muted); font-size: 11px; }
.durbar { display: inline-block; height: 6px; border-radius: 3px; background: var(--p99); opacity: 0.55; vertical-align: middle; margin-left: 8px; }
ul.recs { margin: 6px 0 0; padding-left: 0; list-style: none; }
ul.recs li { display: grid; grid-template-columns: 96px 1fr; align-items: baseline; padding: 8px 0; border-bottom: 1px solid var(--line); }
ul.recs li:last-child { border-bottom: 0; }
a.rule { font-weight: 600; font-family: ui-monospace, "SF Mono", Menlo, Consolas, monospace; font-size: 12.5px; text-decoration: none;
  padding: 1px 6px; border-radius: 5px; border: 1px solid var(--line); }
.legend { list-style: none; display: flex; flex-wrap: wrap; gap: 4px 18px; padding: 0; margin: 0 0 6px; font-size: 12.5px; color: var(--muted); }
.legend li { display: inline-flex; align-items: center; gap: 6px; }
.legend code { color: var(--fg); overflow-wrap: anywhere; }
.key { display: inline-block; width: 16px; height: 10px; }
.key.dot { width: 8px; height: 8px; border-radius: 50%; background: var(--c, var(--sx)); }
.key.dot.slow { --c: var(--ref); }
.key.whisker { height: 2px; background: var(--muted); }
.key.line { height: 3px; border-radius: 2px; }
.key.line.p50 { background: var(--p50); }
.key.line.p99 { background: var(--p99); }
.key.line.max { background: var(--max); }
.key.line.ref { background: none; border-top: 2px dashed var(--ref); height: 0; }
.key.band.gc { background: var(--gc); opacity: 0.6; }
.key.band.starvation { background: var(--starvation); opacity: 0.35; }
.key.band.contention { background: var(--contention); opacity: 0.45; }
.key.bar { background: var(--bar); }
.s0 { --c: var(--s0); } .s1 { --c: var(--s1); } .s2 { --c: var(--s2); } .s3 { --c: var(--s3); }
.s4 { --c: var(--s4); } .s5 { --c: var(--s5); } .s6 { --c: var(--s6); } .s7 { --c: var(--s7); } .sx { --c: var(--sx); }
svg.chart { display: block; width: 100%; height: auto; font-family: inherit; }
svg.chart text { font-size: 12px; fill: var(--muted); font-variant-numeric: tabular-nums; }
svg.chart .axis-title { font-size: 11.5px; fill: var(--muted); font-style: italic; }
svg.chart .plot { fill: var(--plot); stroke: var(--line); }
svg.chart .grid { stroke: var(--grid); stroke-width: 1; }
svg.chart .tick.minor .grid { stroke-dasharray: 2 3; }
svg.chart .band.gc { fill: var(--gc); }
svg.chart .density.gc { fill: var(--gc); }
svg.chart .bands.gc { opacity: var(--band-gc); }
svg.chart .bands.gc.g2 { opacity: var(--band-gc2); }
svg.chart .annotation text { font-size: 11px; font-weight: 600; }
svg.chart .annotation.gc text { fill: var(--warn); }
svg.chart .annotation.starvation text { fill: var(--starvation); }
svg.chart .annotation.contention text { fill: var(--contention); }
svg.chart .band.starvation { fill: var(--starvation); }
svg.chart .bands.starvation { opacity: var(--band-starvation); }
svg.chart .band.contention { fill: var(--contention); }
svg.chart .bands.contention { opacity: var(--band-contention); }
svg.chart .ref line { stroke: var(--ref); stroke-width: 1.2; stroke-dasharray: 6 4; opacity: 0.8; }
svg.chart .ref text { fill: var(--ref); font-size: 11.5px; font-weight: 600; }
svg.chart .series { fill: none; stroke-width: 1.8; stroke-linejoin: round; stroke-linecap: round; }
svg.chart .series.p50 { stroke: var(--p50); }
svg.chart .series.p99 { stroke: var(--p99); stroke-width: 2.2; }
svg.chart .series.max { stroke: var(--max); stroke-width: 1.2; }
svg.chart .dot { fill: var(--c, var(--sx)); fill-opacity: 0.8; }
svg.chart .whisker { stroke: var(--c, var(--sx)); stroke-width: 1.4; stroke-opacity: 0.55; }
svg.chart .dot.slow { fill: var(--ref); fill-opacity: 0.9; stroke: var(--card); stroke-width: 1; }
svg.chart .whisker.slow { stroke: var(--ref); stroke-opacity: 0.6; }
svg.chart .bar { fill: var(--bar); }
svg.chart .lane-max { font-size: 11px; }
svg.chart .all-line { fill: none; stroke: var(--fg); stroke-width: 5; stroke-opacity: var(--all-line); stroke-linejoin: round; stroke-linecap: round; }
svg.chart .endpoint-line.single { stroke-width: 7; }
svg.chart .endpoint-line { fill: none; stroke: var(--c); stroke-width: 2; stroke-linejoin: round; stroke-linecap: round; }
footer { margin-top: 22px; font-size: 12px; color: var(--muted); }
@media print {
  :root {
    --bg: #ffffff; --card: #ffffff; --fg: #111111; --muted: #555555; --line: #cccccc; --grid: #e6e6e6; --plot: #ffffff;
    --gc: #f59e0b; --starvation: #e11d48; --contention: #7c3aed; --p50: #0f766e; --p99: #1f5fd1; --max: #8a94a6; --ref: #b91c1c; --bar: #9fb3cf;
  }
  body { font-size: 11px; -webkit-print-color-adjust: exact; print-color-adjust: exact; }
  main { max-width: none; padding: 0; }
  .card, .stat { border-color: #cccccc; box-shadow: none; }
  .card, figure, tr, .stats { break-inside: avoid; }
  h2, h3 { break-after: avoid; }
  a { color: inherit; text-decoration: none; }
}
@page { margin: 12mm; }
@media (max-width: 760px) { .share .track, .durbar { display: none; } th, td { padding: 5px 6px; } }
figure { margin: 0; }
""";
}
