using System.IO.Compression;
using TailGuard.RuntimeProbe.Reporting;
using TailGuard.RuntimeProbe.Sources;

namespace TailGuard.RuntimeProbe.Tests.Session;

/// <summary>
/// A trace that ends early (a killed target's, a cut file, one still being written) is read up to where it ends: the recorded
/// trace cut at several points gives a report of what comes before the cut, marked <c>truncatedTrace</c>.
/// </summary>
public sealed class TruncatedTraceTests : IAsyncLifetime
{
    private readonly string _folder = Path.Combine(Path.GetTempPath(), $"tailguard-{Guid.NewGuid():N}");
    private byte[] _trace = [];

    public async Task InitializeAsync()
    {
        Directory.CreateDirectory(_folder);
        var recorded = Path.Combine(Integration.TestPaths.RepoRoot, "tests", "TailGuard.RuntimeProbe.Tests", "Traces", "starved-gc-contention.nettrace.gz");
        await using var gzip = new GZipStream(File.OpenRead(recorded), CompressionMode.Decompress);
        using var bytes = new MemoryStream();
        await gzip.CopyToAsync(bytes);
        _trace = bytes.ToArray();
    }

    public Task DisposeAsync()
    {
        Directory.Delete(_folder, recursive: true);
        return Task.CompletedTask;
    }

    [Fact]
    public async Task A_trace_cut_at_several_points_reports_what_comes_before_each_cut()
    {
        var whole = await AnalyzeAsync(_trace.Length);
        Assert.Equal(EndReasons.EndOfTrace, whole.Session.EndReason);

        Report? previous = null;
        // From inside the header to a few bytes before the end, and 5 MB (the "first 5 MB").
        foreach (var length in new[] { 40, 4_000, _trace.Length / 10, _trace.Length / 3, 5_000_000, _trace.Length - 7 })
        {
            var report = await AnalyzeAsync(length);

            Assert.Equal(EndReasons.TruncatedTrace, report.Session.EndReason);
            Assert.Contains(report.Session.Notes, n => n.StartsWith("The trace ends early", StringComparison.Ordinal));
            Assert.InRange(report.Requests.Count, previous?.Requests.Count ?? 0, whole.Requests.Count);
            Assert.InRange(report.Session.DurationMs, previous?.Session.DurationMs ?? 0, whole.Session.DurationMs);
            previous = report;
        }

        // The first 5 MB hold most of the session: a report with requests and GC pauses, not an empty one.
        var fiveMb = await AnalyzeAsync(5_000_000);
        Assert.True(fiveMb.Requests.Count > whole.Requests.Count / 2, $"{fiveMb.Requests.Count} of {whole.Requests.Count} requests");
        Assert.True(fiveMb.Gc.PauseCount > 0);
    }

    [Fact]
    public async Task A_trace_still_being_written_is_read_up_to_where_it_ends()
    {
        var path = Path.Combine(_folder, "growing.nettrace");
        await using var writer = new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.Read);
        await writer.WriteAsync(_trace.AsMemory(0, _trace.Length / 2));
        await writer.FlushAsync();

        using var source = new NettraceFileSource(path);
        var report = await new ProbeRun(source).RunAsync(null, [], CancellationToken.None);

        Assert.Equal(EndReasons.TruncatedTrace, report.Session.EndReason);
        Assert.True(report.Requests.Count > 0);
    }

    [Fact]
    public async Task A_file_that_is_not_a_trace_is_still_an_error()
    {
        var path = Path.Combine(_folder, "random.nettrace");
        await File.WriteAllBytesAsync(path, [.. Enumerable.Range(0, 4096).Select(i => (byte)(i * 37))]);

        using var source = new NettraceFileSource(path);
        var error = await Assert.ThrowsAsync<ProbeException>(() => new ProbeRun(source).RunAsync(null, [], CancellationToken.None));

        Assert.Contains("is not a readable .nettrace file", error.Message, StringComparison.Ordinal);
    }

    private async Task<Report> AnalyzeAsync(int length)
    {
        var path = Path.Combine(_folder, $"cut-{length}.nettrace");
        await File.WriteAllBytesAsync(path, _trace[..length]);
        using var source = new NettraceFileSource(path);
        return await new ProbeRun(source).RunAsync(null, [], CancellationToken.None);
    }
}
