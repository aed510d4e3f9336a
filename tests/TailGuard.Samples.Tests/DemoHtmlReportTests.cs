using System.Text.RegularExpressions;
using TailGuard.RuntimeProbe.Rendering;
using TailGuard.RuntimeProbe.Reporting;
using TailGuard.Samples.Demo;

namespace TailGuard.Samples.Tests;

/// <summary>
/// The demo's HTML report: the whole run rendered through the probe's library with the three phases marked on its timeline,
/// checked on the probe's recorded trace report (tests/TailGuard.RuntimeProbe.Tests/Traces), and the demo's closing time line.
/// </summary>
public sealed class DemoHtmlReportTests
{
    private static Report RecordedReport() => ReportJson.Deserialize(File.ReadAllText(
        Path.Combine(Repository.Root, "tests", "TailGuard.RuntimeProbe.Tests", "Traces", "starved-gc-contention.report.json")));

    [Fact]
    public void The_phases_are_labelled_on_the_timeline_with_their_spans()
    {
        var report = RecordedReport();
        var third = report.Session.DurationMs / 3;
        var analysis = new TraceAnalysis(
            new Dictionary<string, Report>(),
            report,
            [new PhaseWindow("baseline", -250, third - 250), new PhaseWindow("adversarial", third, (2 * third) - 500), new PhaseWindow("fixed", 2 * third, report.Session.DurationMs)]);

        var html = Render(new HtmlReportRenderer { TimelineMarks = analysis.Marks }, report);

        var marks = html[html.IndexOf("<g class=\"marks\">", StringComparison.Ordinal)..];
        Assert.Equal(3, Regex.Count(marks, "<g class=\"mark\">"));
        foreach (var phase in new[] { "baseline", "adversarial", "fixed" })
        {
            Assert.Contains($">{phase}</text>", marks, StringComparison.Ordinal);
        }

        // The windows' margins are not part of the marks: the baseline starts at the session's start.
        Assert.Contains("<title>baseline: 0.0 s to ", marks, StringComparison.Ordinal);
        Assert.Equal(Regex.Count(html, "<g[\\s>]"), Regex.Count(html, "</g>"));
    }

    [Fact]
    public void Without_marks_the_report_is_the_probe_s_own()
    {
        var report = RecordedReport();

        var html = Render(new HtmlReportRenderer(), report);

        Assert.DoesNotContain("class=\"marks\"", html, StringComparison.Ordinal);
        Assert.Equal(html, Render(new HtmlReportRenderer { TimelineMarks = [] }, report));
    }

    [Theory]
    [InlineData(74.4, null, "Demo time 74 s.")]
    [InlineData(74.4, "", "Demo time 74 s.")]
    [InlineData(74.4, "139", "Demo time 74 s; with the first restore and build (139 s), 3 min 33 s in all.")]
    public void The_closing_line_adds_a_cold_build_to_the_demo_s_time(double demoSeconds, string? buildSeconds, string expected) =>
        Assert.Equal(expected, DemoRunner.TimeLine(TimeSpan.FromSeconds(demoSeconds), buildSeconds));

    private static string Render(HtmlReportRenderer renderer, Report report)
    {
        using var writer = new StringWriter();
        renderer.Render(report, writer);
        return writer.ToString();
    }
}
