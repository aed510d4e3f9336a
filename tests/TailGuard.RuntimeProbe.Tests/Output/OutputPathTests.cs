using TailGuard.Output;
using TailGuard.RuntimeProbe.Rendering;
using TailGuard.RuntimeProbe.Reporting;
using TailGuard.RuntimeProbe.Tests.Integration;
using TailGuard.Sizes;

namespace TailGuard.RuntimeProbe.Tests.Output;

/// <summary>The one output path of the report and of sizes: format names, the registries, writing a file, the terminal seam.</summary>
public sealed class OutputPathTests
{
    // The recorded trace's report, read back from its golden JSON: a real report, without running the pipeline.
    private static readonly Lazy<Report> Recorded = new(() => ReportJson.Deserialize(File.ReadAllText(
        Path.Combine(TestPaths.RepoRoot, "tests", "TailGuard.RuntimeProbe.Tests", "Traces", "starved-gc-contention.report.json"))));

    private static Report SomeReport() => Recorded.Value;

    [Fact]
    public void The_report_and_sizes_share_the_format_names_and_text_is_console()
    {
        Assert.Equal(
            [OutputFormats.Console, OutputFormats.Json, OutputFormats.Markdown, OutputFormats.Html],
            ReportRenderers.Formats);
        Assert.Equal([OutputFormats.Console, OutputFormats.Json, OutputFormats.Markdown], SizesRenderers.Registry.Formats);
        Assert.IsType<ConsoleReportRenderer>(ReportRenderers.Find("text"));
        Assert.IsType<SizesTextRenderer>(SizesRenderers.Registry.Find("TEXT"));
        Assert.Contains(OutputFormats.Text, SizesRenderers.Registry.AcceptedFormats);
        Assert.Contains(OutputFormats.Text, ReportRenderers.Registry.AcceptedFormats);
    }

    [Fact]
    public void An_unknown_format_is_a_user_error()
    {
        var error = Assert.Throws<UserError>(() => SizesRenderers.Registry.Get("pdf"));

        Assert.Equal("Unknown format 'pdf'.", error.Message);
    }

    [Fact]
    public void A_file_output_is_utf8_without_a_byte_order_mark_and_says_where_it_went()
    {
        var path = new FileInfo(Path.Combine(Path.GetTempPath(), $"tailguard-{Guid.NewGuid():N}.md"));
        using var stdout = new StringWriter();
        using var messages = new StringWriter();
        try
        {
            using (var output = ReportOutput<Report>.Open(ReportRenderers.Registry, "markdown", path, stdout, messages))
            {
                output.Write(SomeReport());
            }

            var bytes = File.ReadAllBytes(path.FullName);
            Assert.Equal((byte)'#', bytes[0]);
            Assert.Equal("", stdout.ToString());
            Assert.Equal($"Report written to {path.FullName}{Environment.NewLine}", messages.ToString());
        }
        finally
        {
            path.Delete();
        }
    }

    [Fact]
    public void A_file_that_cannot_be_created_is_a_user_error_when_the_output_is_opened()
    {
        var error = Assert.Throws<UserError>(() => ReportOutput<SizesReport>.Open(
            SizesRenderers.Registry, "json", new FileInfo("/nonexistent/dir/sizes.json"), TextWriter.Null, TextWriter.Null));

        Assert.StartsWith("Cannot write the report to '/nonexistent/dir/sizes.json'", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void The_console_renderer_takes_colours_and_width_from_a_terminal_writer()
    {
        using var plain = new StringWriter();
        using var inner = new StringWriter();
        using var terminal = new TerminalWriter(inner, 200);

        new ConsoleReportRenderer().Render(SomeReport(), plain);
        new ConsoleReportRenderer().Render(SomeReport(), terminal);

        Assert.DoesNotContain("\u001b[", plain.ToString(), StringComparison.Ordinal);
        Assert.Contains("\u001b[", inner.ToString(), StringComparison.Ordinal);
        Assert.Equal(120, plain.ToString().Split('\n')[0].TrimEnd('\r').Length);
        Assert.Equal(200, inner.ToString().Split('\n').Max(line => System.Text.RegularExpressions.Regex.Replace(line.TrimEnd('\r'), "\u001b\\[[0-9;?]*[a-zA-Z]", "").Length));
    }
}
