using TailGuard.RuntimeProbe.Rendering;
using TailGuard.RuntimeProbe.Reporting;
using TailGuard.RuntimeProbe.Tests.Analysis;

namespace TailGuard.RuntimeProbe.Tests.Rendering;

public sealed class RendererTests
{
    private static Report HostileReport() => new EventSequence()
        .Request(0, 5, "/ok")
        .Request(10, 90, "/x|<script>alert(1)</script>*_[a](b)\n# h")
        .Pause(20, 60, generation: 2)
        .Starvation(500)
        .Run(endMs: 2000, slo: "p99<5ms");

    private static string Render(IReportRenderer renderer, Report report)
    {
        using var writer = new StringWriter();
        renderer.Render(report, writer);
        return writer.ToString();
    }

    [Fact]
    public void Markdown_escapes_a_hostile_request_path()
    {
        var text = Render(new MarkdownReportRenderer(), HostileReport());

        Assert.DoesNotContain("<script>", text, StringComparison.Ordinal);
        Assert.Contains("&lt;script&gt;", text, StringComparison.Ordinal);
        Assert.Contains("/x\\|", text, StringComparison.Ordinal);
        Assert.DoesNotContain("\n# h", text, StringComparison.Ordinal);
    }

    [Fact]
    public void Markdown_shows_the_tail_attribution_and_the_slo_verdict()
    {
        var text = Render(new MarkdownReportRenderer(), HostileReport());

        Assert.Contains("## Tail attribution", text, StringComparison.Ordinal);
        Assert.Contains("| P99 |", text, StringComparison.Ordinal);
        Assert.Contains("| P99.9 |", text, StringComparison.Ordinal);
        Assert.Contains("## SLO: VIOLATED", text, StringComparison.Ordinal);
        Assert.Contains("| gen2 | 1 |", text, StringComparison.Ordinal);
    }

    [Fact]
    public void The_console_rendering_to_a_file_is_plain_text_with_the_same_figures()
    {
        var text = Render(new ConsoleReportRenderer(), HostileReport());

        Assert.DoesNotContain("\u001b[", text, StringComparison.Ordinal);
        Assert.Contains("Tail attribution", text, StringComparison.Ordinal);
        Assert.Contains("<script>", text, StringComparison.Ordinal);
        Assert.Contains("SLO VIOLATED", text, StringComparison.Ordinal);
        Assert.Contains("Starvation episodes", text, StringComparison.Ordinal);
    }

    [Fact]
    public void Every_format_has_one_renderer()
    {
        Assert.Equal(["console", "json", "markdown", "html"], ReportRenderers.Formats);
        Assert.IsType<JsonReportRenderer>(ReportRenderers.Find("JSON"));
        Assert.Null(ReportRenderers.Find("pdf"));
    }

    private static Report ReportWithSites() => new EventSequence()
        .Request(0, 50, "/report")
        .Add(new Events.BlockingWait(10, 0, "Program.Main: lambda", "Task<TResult>.Result", Count: 7))
        .Add(new Events.BlockingWait(10, 0, "App.Legacy.Run"))
        .Run(endMs: 2000);

    [Fact]
    public void Markdown_lists_each_sites_blocking_call_and_why_one_is_missing()
    {
        var text = Render(new MarkdownReportRenderer(), ReportWithSites());

        Assert.Contains("| Method | Blocking call | Waits | Rule |", text, StringComparison.Ordinal);
        Assert.Contains("| `Program.Main: lambda` | `Task<TResult>.Result` | 7 | TG1001 |", text, StringComparison.Ordinal);
        Assert.Contains("- `App.Legacy.Run`: The frames between this method and the wait are native or unresolved", text, StringComparison.Ordinal);
    }

    [Fact]
    public void Html_lists_the_blocking_call_and_does_not_say_during_starvation()
    {
        var text = Render(new HtmlReportRenderer(), ReportWithSites());

        Assert.Contains("<th>Blocking call</th>", text, StringComparison.Ordinal);
        Assert.Contains("<code>Task&lt;TResult&gt;.Result</code>", text, StringComparison.Ordinal);
        Assert.DoesNotContain("during starvation", text, StringComparison.Ordinal);
    }
}
