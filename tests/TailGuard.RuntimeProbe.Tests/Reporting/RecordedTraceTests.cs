using System.IO.Compression;
using TailGuard.RuntimeProbe.Rendering;
using TailGuard.RuntimeProbe.Sources;

namespace TailGuard.RuntimeProbe.Tests.Reporting;

/// <summary>
/// The report of a recorded trace, byte for byte: a refactoring of the pipeline must not change what users read. A change
/// meant to change the report regenerates the expected files (Traces/README.md says how) in its own commit.
/// </summary>
public sealed class RecordedTraceTests
{
    private const string Trace = "starved-gc-contention";

    [Theory]
    [InlineData("json", ".report.json")]
    [InlineData("markdown", ".report.md")]
    [InlineData("html", ".report.html")]
    public async Task The_report_of_the_recorded_trace_is_unchanged(string format, string suffix)
    {
        var actual = await RenderAsync(format);
        var expectedPath = Path.Combine(TracesFolder, Trace + suffix);
        if (Environment.GetEnvironmentVariable("TAILGUARD_UPDATE_GOLDEN") == "1")
        {
            await File.WriteAllTextAsync(expectedPath, actual);
        }

        var expected = await File.ReadAllTextAsync(expectedPath);
        Assert.Equal(expected, actual);
    }

    private static async Task<string> RenderAsync(string format)
    {
        var trace = Path.Combine(Path.GetTempPath(), $"tailguard-{Guid.NewGuid():N}.nettrace");
        try
        {
            await using (var compressed = File.OpenRead(Path.Combine(TracesFolder, Trace + ".nettrace.gz")))
            await using (var gzip = new GZipStream(compressed, CompressionMode.Decompress))
            await using (var file = File.Create(trace))
            {
                await gzip.CopyToAsync(file);
            }

            using var source = new NettraceFileSource(trace);
            var report = await new ProbeRun(source).RunAsync(null, [], CancellationToken.None);
            using var writer = new StringWriter();
            ReportRenderers.Find(format)!.Render(report, writer);
            return writer.ToString();
        }
        finally
        {
            File.Delete(trace);
        }
    }

    private static string TracesFolder => Path.Combine(Integration.TestPaths.RepoRoot, "tests", "TailGuard.RuntimeProbe.Tests", "Traces");
}
