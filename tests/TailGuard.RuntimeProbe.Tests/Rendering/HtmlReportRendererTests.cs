using System.Text.Json.Nodes;
using System.Xml;
using System.Xml.Linq;
using TailGuard.RuntimeProbe.Rendering;
using TailGuard.RuntimeProbe.Rendering.Html;
using TailGuard.RuntimeProbe.Reporting;
using TailGuard.RuntimeProbe.Tests.Analysis;

namespace TailGuard.RuntimeProbe.Tests.Rendering;

public sealed class HtmlReportRendererTests
{
    private const string Hostile = SyntheticService.HostilePath;
    private const string EscapedHostile = "/&lt;script&gt;alert(1)&lt;/script&gt;?a=&quot;b&quot;&amp;c=&#39;d&#39;";
    private static readonly XNamespace Svg = "http://www.w3.org/2000/svg";

    private static readonly Lazy<Report> FewRequests = new(() => SyntheticService.Build(requestsPerSecond: 50));
    private static readonly Lazy<Report> ManyRequests = new(() => SyntheticService.Build(requestsPerSecond: 400));

    private static string Render(Report report)
    {
        using var writer = new StringWriter();
        new HtmlReportRenderer().Render(report, writer);
        return writer.ToString();
    }

    /// <summary>The page is well-formed XML (XHTML syntax), so the tests can look at it as a tree.</summary>
    private static XDocument Parse(string html)
    {
        using var reader = XmlReader.Create(new StringReader(html), new XmlReaderSettings { DtdProcessing = DtdProcessing.Ignore });
        return XDocument.Load(reader);
    }

    private static IEnumerable<XElement> Elements(XDocument document, string name, string cls) =>
        document.Descendants().Where(e => e.Name.LocalName == name && HasClass(e, cls));

    private static bool HasClass(XElement e, string cls)
    {
        var classes = ((string?)e.Attribute("class") ?? "").Split(' ');
        return cls.Split(' ').All(classes.Contains);
    }

    private static XElement Chart(XDocument document, string cls) => Elements(document, "svg", "chart " + cls).Single();

    private static List<string> TickLabels(XElement chart, string axis) => chart.Descendants()
        .Where(e => e.Name.LocalName == "g" && HasClass(e, "axis " + axis))
        .SelectMany(g => g.Descendants().Where(t => t.Name.LocalName == "g" && HasClass(t, "tick")))
        .Select(t => t.Descendants().Single(x => x.Name.LocalName == "text").Value)
        .ToList();

    /// <summary>The synthetic report with the hostile string in every field that comes from the target.</summary>
    private static Report HostileEverywhere()
    {
        var report = FewRequests.Value;
        var endpoints = report.Requests.Endpoints
            .Select((e, i) => i == 0 ? e with { Name = Hostile } : e)
            .ToList();
        return report with
        {
            Target = new ReportTarget { Pid = 1, ProcessName = Hostile, RuntimeVersion = Hostile, CommandLine = Hostile },
            Session = report.Session with { Notes = [Hostile] },
            Requests = report.Requests with { Endpoints = endpoints },
            Gc = report.Gc with { Pauses = report.Gc.Pauses.Select(p => p with { Reason = Hostile, Type = Hostile }).ToList() },
            SlowestRequests = report.SlowestRequests.Select(r => r with { Endpoint = Hostile }).ToList(),
            BlockingSites = [new ReportBlockingSite { Frame = Hostile, Count = 3, Rule = Hostile }],
            Recommendations = [new ReportRecommendation { Cause = Hostile, Text = Hostile, Rules = [Hostile, "TG1001"] }],
            Timeline = report.Timeline with { Requests = report.Timeline.Requests.Select(r => r with { Endpoint = Hostile }).ToList() },
        };
    }

    [Fact]
    public void The_page_is_one_well_formed_document_with_both_charts()
    {
        var document = Parse(Render(FewRequests.Value));

        Assert.Equal("html", document.Root!.Name.LocalName);
        Assert.Single(document.Descendants(), e => e.Name.LocalName == "style");
        Assert.Equal(2, document.Descendants(Svg + "svg").Count() + document.Descendants("svg").Count());
        Assert.NotNull(Chart(document, "timeline"));
        Assert.NotNull(Chart(document, "percentiles"));
    }

    [Theory]
    [InlineData(50)]
    [InlineData(400)]
    public void Nothing_is_loaded_or_run(int requestsPerSecond)
    {
        var html = Render(requestsPerSecond == 50 ? FewRequests.Value : ManyRequests.Value);
        var document = Parse(html);

        Assert.DoesNotContain("<script", html, StringComparison.OrdinalIgnoreCase);
        string[] loaders = ["script", "link", "img", "image", "iframe", "object", "embed", "use", "video", "audio", "source", "foreignObject"];
        Assert.DoesNotContain(document.Descendants(), e => loaders.Contains(e.Name.LocalName, StringComparer.OrdinalIgnoreCase));
        Assert.DoesNotContain(document.Descendants().Attributes(), a => a.Name.LocalName is "src" or "srcset" or "action" or "formaction");
        Assert.DoesNotContain(document.Descendants().Attributes(), a => a.Name.LocalName.StartsWith("on", StringComparison.OrdinalIgnoreCase));
        var hrefs = document.Descendants().Attributes().Where(a => a.Name.LocalName == "href").Select(a => a.Value).ToList();
        Assert.NotEmpty(hrefs);
        Assert.All(hrefs, h => Assert.Matches("^https://github\\.com/tailguard/tailguard/blob/main/docs/rules/TG[0-9]{4}\\.md$", h));
        var css = document.Descendants().Single(e => e.Name.LocalName == "style").Value;
        Assert.DoesNotContain("url(", css, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("@import", css, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("@font-face", css, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public void The_only_urls_in_attributes_are_rule_documentation_links()
    {
        var document = Parse(Render(HostileEverywhere()));

        var withUrls = document.Descendants().Attributes()
            .Where(a => a.Value.Contains("://", StringComparison.Ordinal) && a.Name.LocalName != "xmlns")
            .ToList();
        Assert.All(withUrls, a => Assert.Equal("href", a.Name.LocalName));
        Assert.All(withUrls, a => Assert.StartsWith(Html.RuleDocsBase, a.Value, StringComparison.Ordinal));
    }

    [Fact]
    public void The_timeline_has_one_band_per_gc_pause_starvation_episode_and_contention_window()
    {
        var report = FewRequests.Value;
        var timeline = Chart(Parse(Render(report)), "timeline");

        Assert.True(report.Gc.Pauses.Count > 20);
        Assert.Single(report.ThreadPool.StarvationEpisodes);
        Assert.NotEmpty(report.Contention.Windows);
        Assert.Equal(report.Gc.Pauses.Count, timeline.Descendants().Count(e => e.Name.LocalName == "rect" && HasClass(e, "band gc")));
        Assert.Equal(1, timeline.Descendants().Count(e => e.Name.LocalName == "rect" && HasClass(e, "band starvation")));
        Assert.Equal(report.Contention.Windows.Count, timeline.Descendants().Count(e => e.Name.LocalName == "rect" && HasClass(e, "band contention")));
    }

    [Fact]
    public void A_gc_band_sits_where_its_pause_is_on_the_time_axis()
    {
        var report = FewRequests.Value;
        var timeline = Chart(Parse(Render(report)), "timeline");
        var gen2 = report.Gc.Pauses.MaxBy(p => p.DurationMs)!;

        var bands = timeline.Descendants().Where(e => e.Name.LocalName == "rect" && HasClass(e, "band gc")).ToList();
        var widest = bands.MaxBy(b => double.Parse((string)b.Attribute("width")!, System.Globalization.CultureInfo.InvariantCulture))!;
        var x = double.Parse((string)widest.Attribute("x")!, System.Globalization.CultureInfo.InvariantCulture);

        // The plot runs from x=76 to x=1080 over the 30 s session.
        Assert.InRange(x, 76 + 1004 * gen2.StartMs / 30_000 - 1, 76 + 1004 * gen2.StartMs / 30_000 + 1);
        Assert.Contains("gen2", widest.Value, StringComparison.Ordinal);
        Assert.Contains(gen2.Reason, widest.Value, StringComparison.Ordinal);
    }

    [Fact]
    public void With_few_requests_each_is_a_dot()
    {
        var report = FewRequests.Value;
        var timeline = Chart(Parse(Render(report)), "timeline");

        Assert.InRange(report.Timeline.Requests.Count, 1000, 2000);
        Assert.Equal(report.Requests.Count, report.Timeline.Requests.Count);
        Assert.Equal(report.Timeline.Requests.Count, timeline.Descendants().Count(e => e.Name.LocalName == "circle" && HasClass(e, "dot")));
        Assert.DoesNotContain(timeline.Descendants(), e => e.Name.LocalName == "path" && HasClass(e, "series"));
    }

    [Fact]
    public void With_many_requests_the_timeline_draws_interval_percentile_lines_and_marks_the_slowest()
    {
        var report = ManyRequests.Value;
        var timeline = Chart(Parse(Render(report)), "timeline");

        Assert.Empty(report.Timeline.Requests);
        Assert.True(report.Requests.Count > 5_000);
        foreach (var series in new[] { "p50", "p99", "max" })
        {
            Assert.Single(timeline.Descendants(), e => e.Name.LocalName == "path" && HasClass(e, "series " + series));
        }

        Assert.Equal(report.SlowestRequests.Count, timeline.Descendants().Count(e => e.Name.LocalName == "circle" && HasClass(e, "dot slow")));
        Assert.Equal(report.Timeline.Points.Count, timeline.Descendants().Count(e => e.Name.LocalName == "rect" && HasClass(e, "bar")));
    }

    [Fact]
    public void The_timeline_axes_are_labelled_in_seconds_and_a_wide_latency_range_gets_a_log_scale()
    {
        var timeline = Chart(Parse(Render(FewRequests.Value)), "timeline");

        var x = TickLabels(timeline, "x");
        var y = TickLabels(timeline, "y");
        Assert.Contains("0 s", x);
        Assert.Contains("30 s", x);
        Assert.InRange(x.Count, 6, 16);
        Assert.All(x, l => Assert.EndsWith(" s", l, StringComparison.Ordinal));
        // From a 0.25 ms health check to a 1.5 s request queued behind starvation: decades, not a linear axis.
        Assert.Contains("1 ms", y);
        Assert.Contains("10 ms", y);
        Assert.Contains("100 ms", y);
        Assert.Contains("1 s", y);
    }

    [Fact]
    public void A_narrow_latency_range_gets_a_linear_axis_from_zero()
    {
        var events = new EventSequence();
        for (var i = 0; i < 100; i++)
        {
            events.Request(i * 10, i * 10 + 2 + i % 5);
        }

        var timeline = Chart(Parse(Render(events.Run(endMs: 1000))), "timeline");

        var y = TickLabels(timeline, "y");
        Assert.Equal("0 ms", y[0]);
        Assert.Contains("2 ms", y);
        Assert.Contains("6 ms", y);
    }

    [Fact]
    public void The_percentile_chart_has_one_line_per_endpoint_and_one_for_all_requests()
    {
        var report = FewRequests.Value;
        var chart = Chart(Parse(Render(report)), "percentiles");

        Assert.Equal(6, report.Requests.Endpoints.Count);
        Assert.Equal(6, chart.Descendants().Count(e => e.Name.LocalName == "path" && HasClass(e, "endpoint-line")));
        Assert.Single(chart.Descendants(), e => e.Name.LocalName == "path" && HasClass(e, "all-line"));
        var colours = chart.Descendants().Where(e => HasClass(e, "endpoint-line"))
            .Select(e => ((string)e.Attribute("class")!).Split(' ').Single(c => c.StartsWith('s')))
            .ToList();
        Assert.Equal(6, colours.Distinct().Count());
    }

    [Fact]
    public void The_percentile_axis_is_logarithmic_in_one_over_one_minus_p()
    {
        var report = ManyRequests.Value;
        var chart = Chart(Parse(Render(report)), "percentiles");

        // About 12,000 requests resolve percentiles up to 99.99% (1 in 10,000), so the axis ends there.
        Assert.InRange(report.Requests.Count, 10_000, 99_999);
        var labels = TickLabels(chart, "x");
        Assert.Equal(["0%", "50%", "90%", "99%", "99.9%", "99.99%"], labels);
        var positions = chart.Descendants()
            .Where(e => e.Name.LocalName == "g" && HasClass(e, "tick") && !HasClass(e, "minor") && e.Ancestors().Any(a => HasClass(a, "axis x")))
            .Select(t => double.Parse((string)t.Descendants().First(l => l.Name.LocalName == "line").Attribute("x1")!, System.Globalization.CultureInfo.InvariantCulture))
            .ToList();
        var gaps = positions.Zip(positions.Skip(1), (a, b) => b - a).ToList();
        Assert.All(gaps, g => Assert.Equal(gaps[0], g, 1));
    }

    [Fact]
    public void More_endpoints_than_colours_chart_only_the_busiest()
    {
        var events = new EventSequence();
        for (var e = 0; e < 12; e++)
        {
            for (var i = 0; i <= e; i++)
            {
                events.Request(e * 100 + i, e * 100 + i + 1 + e, "/e" + e);
            }
        }

        var document = Parse(Render(events.Run(endMs: 2000)));

        Assert.Equal(EndpointPalette.Size, Chart(document, "percentiles").Descendants().Count(e => HasClass(e, "endpoint-line")));
        Assert.Equal(12, Elements(document, "table", "endpoints").Single().Descendants().Count(e => e.Name.LocalName == "code"));
    }

    [Fact]
    public void A_hostile_request_path_is_escaped_everywhere_it_appears()
    {
        var html = Render(HostileEverywhere());

        Assert.DoesNotContain(Hostile, html, StringComparison.Ordinal);
        Assert.DoesNotContain("<script", html, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("</script", html, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("=\"b\"", html, StringComparison.Ordinal);
        Assert.DoesNotContain("'d'", html, StringComparison.Ordinal);

        var document = Parse(html);
        var texts = document.DescendantNodes().OfType<XText>().Select(t => t.Value).ToList();
        // Header (process name, runtime, command line), note, endpoint table, slowest requests, GC reasons and types, blocking
        // site and its rule, recommendation, page title, and the SVG tooltips of the timeline and the percentile chart.
        Assert.True(texts.Count(t => t.Contains(Hostile, StringComparison.Ordinal)) > 20);
        Assert.Contains(texts, t => t == Hostile);
        var svgTitles = document.Descendants().Where(e => e.Name.LocalName == "title" && e.Ancestors().Any(a => a.Name.LocalName == "svg")).ToList();
        Assert.Contains(svgTitles, t => t.Value.StartsWith(Hostile + ":", StringComparison.Ordinal));
        Assert.Contains(svgTitles, t => t.Value.StartsWith(Hostile + " (", StringComparison.Ordinal));
        Assert.Contains(svgTitles, t => t.Value.Contains("gen0, " + Hostile + ", " + Hostile, StringComparison.Ordinal));
        Assert.True(html.Split(EscapedHostile).Length - 1 > 20);
    }

    [Fact]
    public void A_rule_that_is_not_a_tailguard_rule_id_is_text_not_a_link()
    {
        var document = Parse(Render(HostileEverywhere()));

        var links = document.Descendants().Where(e => e.Name.LocalName == "a").ToList();
        Assert.NotEmpty(links);
        Assert.All(links, a => Assert.Matches("^TG[0-9]{4}$", a.Value));
    }

    [Theory]
    [InlineData("a\u0000b", "a\ufffdb")]
    [InlineData("a\u001bb", "a\ufffdb")]
    [InlineData("line\nbreak", "line break")]
    [InlineData("pair \ud83d\ude00 ok", "pair \ud83d\ude00 ok")]
    [InlineData("<&>\"'", "&lt;&amp;&gt;&quot;&#39;")]
    public void Escaping_also_removes_what_neither_html_nor_xml_may_carry(string text, string expected)
    {
        Assert.Equal(expected, Html.Escape(text));
    }

    [Fact]
    public void A_lone_surrogate_is_replaced()
    {
        // Not an InlineData case: the test runner's serialization would mangle the lone surrogate before the test saw it.
        Assert.Equal("lone \ufffd surrogate", Html.Escape("lone \ud800 surrogate"));
    }

    [Fact]
    public void A_path_with_control_characters_still_gives_a_well_formed_page()
    {
        var report = new EventSequence().Request(0, 5, "/a\u0000\u0001\u001b[31m\ud800").Run(endMs: 100);

        var document = Parse(Render(report));

        Assert.Contains(document.DescendantNodes().OfType<XText>(), t => t.Value.Contains("/a\ufffd\ufffd\ufffd[31m\ufffd", StringComparison.Ordinal));
    }

    [Fact]
    public void The_tail_attribution_table_has_p99_and_p999_with_every_cause()
    {
        var report = FewRequests.Value;
        var table = Elements(Parse(Render(report)), "table", "tail").Single();

        var rows = table.Descendants().Where(e => e.Name.LocalName == "tr").Skip(1).ToList();
        Assert.Equal(["P99", "P99.9"], rows.Select(r => r.Descendants().First(e => e.Name.LocalName == "td").Value));
        Assert.All(rows, r => Assert.Equal(4, r.Descendants().Count(e => e.Name.LocalName == "span" && HasClass(e, "fill"))));
        Assert.True(report.Tail[0].Share.ThreadPoolStarvation > 0.5);
        Assert.Contains(TailGuard.RuntimeProbe.Rendering.Formatting.Percent(report.Tail[0].Share.ThreadPoolStarvation), rows[0].Value, StringComparison.Ordinal);
    }

    [Fact]
    public void Every_section_of_the_report_is_there()
    {
        var report = FewRequests.Value;
        var document = Parse(Render(report));

        var sections = document.Descendants().Where(e => e.Name.LocalName == "section").Select(e => (string?)e.Attribute("id")).ToList();
        Assert.Equal(["timeline", "distribution", "tail", "slowest", "gc", "threadpool", "blocking", "recommendations", "slo"], sections);
        Assert.Equal(report.SlowestRequests.Count, Elements(document, "table", "slowest").Single().Descendants("tbody").Single().Elements().Count());
        Assert.Equal([0, 1, 2], report.Gc.ByGeneration.Select(g => g.Generation));
        Assert.Equal(3, Elements(document, "table", "generations").Single().Descendants("tbody").Single().Elements().Count());
        var sites = Elements(document, "table", "sites").Single();
        Assert.Equal(report.BlockingSites.Count, sites.Descendants("tbody").Single().Elements().Count());
        Assert.Contains(sites.Descendants("a"), a => a.Value == "TG1001");
        Assert.Contains(sites.Descendants("a"), a => a.Value == "TG1002");
        Assert.Equal(report.Recommendations.Count, Elements(document, "ul", "recs").Single().Elements().Count());
        Assert.Contains(Elements(document, "span", "badge"), b => b.Value == "SLO violated");
    }

    [Fact]
    public void A_session_without_requests_still_renders_its_stalls()
    {
        var report = new EventSequence().Pause(100, 150, generation: 2).Starvation(600).Run(endMs: 2000);

        var document = Parse(Render(report));

        Assert.Contains("No request completed", document.Root!.Value, StringComparison.Ordinal);
        var timeline = Chart(document, "timeline");
        Assert.Single(timeline.Descendants(), e => e.Name.LocalName == "rect" && HasClass(e, "band gc"));
        Assert.Single(timeline.Descendants(), e => e.Name.LocalName == "rect" && HasClass(e, "band starvation"));
        Assert.Empty(Elements(document, "svg", "percentiles"));
    }

    [Fact]
    public void A_report_written_before_the_chart_detail_existed_reads_and_renders()
    {
        var json = JsonNode.Parse(ReportJson.Serialize(FewRequests.Value))!;
        json["requests"]!.AsObject().Remove("distribution");
        foreach (var e in json["requests"]!["endpoints"]!.AsArray())
        {
            e!.AsObject().Remove("distribution");
        }

        json["timeline"]!.AsObject().Remove("requests");
        json["contention"]!.AsObject().Remove("windows");

        var report = ReportJson.Deserialize(json.ToJsonString());
        var document = Parse(Render(report));

        Assert.Empty(report.Timeline.Requests);
        Assert.Empty(report.Requests.Distribution);
        Assert.Single(Chart(document, "timeline").Descendants(), e => HasClass(e, "series p99"));
        Assert.Empty(Elements(document, "svg", "percentiles"));
        Assert.Contains("No percentile distribution", document.Root!.Value, StringComparison.Ordinal);
    }

    [Fact]
    public void The_page_follows_the_colour_scheme_and_prints()
    {
        var html = Render(FewRequests.Value);

        Assert.Contains("@media (prefers-color-scheme: dark)", html, StringComparison.Ordinal);
        Assert.Contains("@media print", html, StringComparison.Ordinal);
        Assert.Contains("<meta name=\"color-scheme\" content=\"light dark\"/>", html, StringComparison.Ordinal);
    }

    [Fact]
    public void Html_is_a_format_of_the_tool()
    {
        var renderer = Assert.IsType<HtmlReportRenderer>(ReportRenderers.Find("html"));
        Assert.Equal(".html", renderer.FileExtension);
    }

    [Theory]
    [InlineData(50, "tailguard-sample-report.html")]
    [InlineData(400, "tailguard-sample-report-busy.html")]
    public void A_realistic_report_renders_to_a_self_contained_file(int requestsPerSecond, string name)
    {
        var path = Path.Combine(Path.GetTempPath(), name);
        using (var writer = new StreamWriter(path))
        {
            new HtmlReportRenderer().Render(requestsPerSecond == 50 ? FewRequests.Value : ManyRequests.Value, writer);
        }

        var html = File.ReadAllText(path);
        Assert.StartsWith("<!DOCTYPE html>", html, StringComparison.Ordinal);
        Assert.InRange(html.Length, 20_000, 2_000_000);
        Parse(html);
    }

    [Fact]
    public void Many_gc_pauses_are_a_density_strip_not_a_wall_of_bars()
    {
        var events = new EventSequence().Request(0, 5, "/ok");
        for (var i = 0; i < 900; i++)
        {
            events.Pause(10 + i * 60, 10 + i * 60 + 3, generation: i % 50 == 0 ? 2 : 0);
        }

        var chart = Chart(Parse(Render(events.Run(endMs: 60_000))), "timeline");

        Assert.DoesNotContain(chart.Descendants(), e => e.Name.LocalName == "rect" && HasClass(e, "band gc"));
        var cells = chart.Descendants().Where(e => e.Name.LocalName == "rect" && HasClass(e, "density gc")).ToList();
        Assert.InRange(cells.Count, 100, 260);
        Assert.All(cells, c => Assert.InRange(double.Parse((string)c.Attribute("fill-opacity")!, System.Globalization.CultureInfo.InvariantCulture), 0.15, 1));
    }

    [Fact]
    public void A_few_gc_pauses_are_still_one_bar_each()
    {
        var report = new EventSequence().Request(0, 5, "/ok").Pause(100, 130, generation: 2).Pause(500, 502).Run(endMs: 2_000);

        var chart = Chart(Parse(Render(report)), "timeline");

        Assert.Equal(2, chart.Descendants().Count(e => e.Name.LocalName == "rect" && HasClass(e, "band gc")));
        Assert.DoesNotContain(chart.Descendants(), e => e.Name.LocalName == "rect" && HasClass(e, "density"));
    }

    [Fact]
    public void The_timeline_colours_the_slowest_endpoints_not_the_busiest()
    {
        var events = new EventSequence();
        for (var i = 0; i < 40; i++)
        {
            for (var e = 0; e < 9; e++)
            {
                events.Request(i * 50 + e, i * 50 + e + 1, $"/busy{e}");
            }
        }

        events.Request(100, 541, "/slow");
        var report = events.Run(endMs: 3_000);
        var legend = TimelineChart.Legend(report, new EndpointPalette(report));

        Assert.Contains("/slow</code>", legend, StringComparison.Ordinal);
    }

    [Fact]
    public void A_pause_without_a_generation_says_so()
    {
        Assert.Equal("generation not in the trace", TimelineChart.Generation(-1));
        Assert.Equal("gen2", TimelineChart.Generation(2));
    }
}
