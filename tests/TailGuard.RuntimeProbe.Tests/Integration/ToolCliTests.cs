using System.Globalization;
using System.IO.Compression;
using System.Text.Json;

namespace TailGuard.RuntimeProbe.Tests.Integration;

/// <summary>
/// The built tool run as a process, as a user or a CI job runs it, with every bad input found so far: the exit code, exactly
/// one line on standard error, no stack trace, and an existing output file left byte for byte as it was.
/// </summary>
[Collection(LiveCollection.Name)]
public sealed class ToolCliTests : IClassFixture<SharedTarget>, IDisposable
{
    // A pid no process has (pids stay far below int.MaxValue).
    private const string NoSuchPid = "2147483000";

    private readonly SharedTarget _shared;
    private readonly string _folder = Directory.CreateTempSubdirectory("tailguard-cli-").FullName;

    public ToolCliTests(SharedTarget shared) => _shared = shared;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    private string InFolder(string name) => Path.Combine(_folder, name);

    /// <summary>A file a failed run must leave as it was: random bytes, so any rewrite shows.</summary>
    private (string Path, byte[] Bytes) Existing(string name)
    {
        var bytes = new byte[4096];
        Random.Shared.NextBytes(bytes);
        var path = InFolder(name);
        File.WriteAllBytes(path, bytes);
        return (path, bytes);
    }

    private void AssertUnchanged(params (string Path, byte[] Bytes)[] files)
    {
        foreach (var (path, bytes) in files)
        {
            Assert.Equal(bytes, File.ReadAllBytes(path));
        }

        // Nothing beside them: no temporary file, no empty report.
        Assert.Equal(files.Select(f => Path.GetFileName(f.Path)).Order(), Directory.GetFiles(_folder).Select(Path.GetFileName).Order());
    }

    private static void AssertFails(ToolResult result, int exitCode, string expected)
    {
        Assert.True(result.ExitCode == exitCode, result.ToString());
        var line = Assert.Single(result.ErrorLines);
        Assert.Contains(expected, line, StringComparison.Ordinal);
        Assert.StartsWith("dotnet-tailguard: ", line, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", result.Error + result.Out, StringComparison.Ordinal);
        Assert.DoesNotContain("Unhandled exception", result.Error + result.Out, StringComparison.Ordinal);
    }

    private static string Pid(TargetProcess target) => target.Pid.ToString(CultureInfo.InvariantCulture);

    [Theory]
    [InlineData("pid must be a whole number between 1 and 2147483647: 'abc' is not a whole number.", "attach", "abc")]
    [InlineData("pid must be between 1 and 2147483647: 99999999999 is out of range.", "attach", "99999999999")]
    [InlineData("pid must be between 1 and 2147483647: 0 is out of range.", "attach", "0")]
    [InlineData("-p must be a whole number between 1 and 2147483647: 'abc' is not a whole number.", "attach", "-p", "abc")]
    [InlineData("--process-id must be between 1 and 2147483647: 2147483648 is out of range.", "attach", "--process-id", "2147483648")]
    [InlineData("--buffer-mb must be a whole number between 1 and 4096 (MB): 'banana' is not a whole number.", "attach", "1", "--buffer-mb", "banana")]
    [InlineData("--buffer-mb must be a whole number between 1 and 4096 (MB): '1.5' is not a whole number.", "attach", "1", "--buffer-mb", "1.5")]
    [InlineData("--buffersize must be between 1 and 4096 (MB): 5000 is out of range.", "attach", "1", "--buffersize", "5000")]
    [InlineData("--top must be a whole number between 1 and 2147483647: 'banana' is not a whole number.", "sizes", "app.dll", "--top", "banana")]
    [InlineData("--max-bytes must be a whole number between 1 and 2147483647 (bytes): 'banana' is not a whole number.", "sizes", "app.dll", "--max-bytes", "banana")]
    [InlineData("--duration: '5' has no unit: 5s?", "attach", "1", "--duration", "5")]
    [InlineData("--duration: '1:30' is not a duration; it accepts 30s, 2m, 1m30s, 1h, 500ms or hh:mm:ss.", "attach", "1", "-d", "1:30")]
    [InlineData("--format must be one of console (or text), json, markdown, html (in any case): 'pdf' is not one.", "analyze", "x.nettrace", "--format", "pdf")]
    [InlineData("--format must be one of console (or text), json, markdown (in any case): 'html' is not one.", "sizes", "app.dll", "-f", "html")]
    [InlineData("--slo: Invalid SLO rule 'p98<5ms'", "attach", "1", "--slo", "p98<5ms")]
    [InlineData("Give the process to attach to: a pid (attach 4242, or -p 4242) or -n <name>", "attach")]
    [InlineData("Give the process once", "attach", "1", "-p", "2")]
    [InlineData("Give the process once", "attach", "-p", "1", "-n", "app")]
    [InlineData("Unrecognized command or argument '--bogus'", "attach", "1", "--bogus")]
    public async Task A_bad_value_is_a_usage_error_in_one_line_and_the_output_file_is_untouched(string expected, params string[] args)
    {
        var keep = Existing("keep.json");

        var result = await ToolRun.RunAsync([.. args, "-o", keep.Path]);

        AssertFails(result, 2, expected);
        Assert.EndsWith($"Run 'dotnet-tailguard {args[0]} --help' for usage.", result.ErrorLines[0], StringComparison.Ordinal);
        AssertUnchanged(keep);
    }

    [Fact]
    public async Task A_session_that_cannot_start_leaves_the_report_and_the_trace_as_they_were()
    {
        var report = Existing("keep.json");
        var trace = Existing("keep.nettrace");

        var result = await ToolRun.RunAsync("attach", NoSuchPid, "-o", report.Path, "--nettrace", trace.Path, "-d", "1s");

        AssertFails(result, 1, $"No process with id {NoSuchPid} is running.");
        AssertUnchanged(report, trace);
    }

    [Fact]
    public async Task A_file_that_is_not_a_trace_leaves_the_report_as_it_was()
    {
        var report = Existing("keep.json");
        var notATrace = Existing("random.nettrace");

        var result = await ToolRun.RunAsync("analyze", notATrace.Path, "-o", report.Path, "--format", "json");

        AssertFails(result, 1, "is not a readable .nettrace file");
        AssertUnchanged(report, notATrace);
    }

    [Fact]
    public async Task The_trace_is_never_its_own_output_by_any_name()
    {
        var trace = Existing("run.nettrace");
        File.CreateSymbolicLink(InFolder("link.nettrace"), "run.nettrace");
        Directory.CreateDirectory(InFolder("sub"));
        var expected = "it is the trace being analyzed, which the report would replace.";

        AssertFails(await ToolRun.RunAsync("analyze", trace.Path, "-o", trace.Path), 1, expected);
        AssertFails(await ToolRun.RunAsync("analyze", trace.Path, "-o", InFolder("link.nettrace")), 1, expected);
        AssertFails(await ToolRun.RunInAsync(_folder, "analyze", "run.nettrace", "-o", "sub/../run.nettrace"), 1, expected);
        Assert.Equal(trace.Bytes, File.ReadAllBytes(trace.Path));
    }

    [Fact]
    public async Task The_assembly_is_never_the_sizes_output()
    {
        var dll = Existing("app.dll");

        AssertFails(await ToolRun.RunInAsync(_folder, "sizes", "app.dll", "-o", "./app.dll"), 1, "it is the input, which the report would replace.");
        AssertUnchanged(dll);
    }

    [Fact]
    public async Task A_folder_is_not_a_trace_and_sizes_lists_the_build_outputs_of_one()
    {
        Existing("A.dll");
        Existing("A.deps.json");
        Existing("B.dll");
        Existing("B.runtimeconfig.json");

        var analyze = await ToolRun.RunAsync("analyze", _folder);
        var sizes = await ToolRun.RunAsync("sizes", _folder);

        AssertFails(analyze, 1, $"'{_folder}' is a folder, not a .nettrace file");
        Assert.Equal(1, sizes.ExitCode);
        Assert.Equal(
            [$"dotnet-tailguard: '{_folder}' is a folder with 2 build outputs; give one:", InFolder("A.dll"), InFolder("B.dll")],
            sizes.ErrorLines);
    }

    [Fact]
    public async Task An_output_that_cannot_be_written_fails_before_the_session_starts()
    {
        var target = await _shared.GetAsync();
        var pid = Pid(target);

        var proc = await ToolRun.RunAsync("attach", pid, "-d", "30s", "--no-live", "-o", "/proc/version");
        var missingFolder = await ToolRun.RunAsync("attach", pid, "-d", "30s", "--no-live", "--nettrace", "/nonexistent/dir/run.nettrace");
        var folder = await ToolRun.RunAsync("attach", pid, "-d", "30s", "--no-live", "-o", _folder);
        var same = await ToolRun.RunAsync("attach", pid, "-d", "30s", "--no-live", "-o", InFolder("x"), "--nettrace", InFolder("x"));

        AssertFails(proc, 1, "Cannot write the report to '/proc/version': it is a file of the kernel's /proc or /sys file system");
        AssertFails(missingFolder, 1, "Cannot write the trace to '/nonexistent/dir/run.nettrace': the folder '/nonexistent/dir' does not exist.");
        AssertFails(folder, 1, $"Cannot write the report to '{_folder}': it is a folder; give a file name.");
        AssertFails(same, 1, "it is the --nettrace file, which the report would replace.");
        AssertUnchanged();
    }

    [Fact]
    public async Task A_name_that_several_processes_have_lists_them_and_attaches_to_none()
    {
        // The target runs as 'dotnet TailGuard.TargetApp.dll', and so does this test's host: 'dotnet' names several.
        var target = await _shared.GetAsync();

        var several = await ToolRun.RunAsync("attach", "-n", "dotnet", "-d", "1s");
        var none = await ToolRun.RunAsync("attach", "-n", "no-such-app-" + Guid.NewGuid().ToString("N"), "-d", "1s");

        Assert.True(several.ExitCode == 1, several.ToString());
        Assert.Matches(@"^dotnet-tailguard: \d+ \.NET processes match 'dotnet'; give one with -p <pid>:$", several.ErrorLines[0]);
        Assert.Equal("PID  COMMAND LINE", several.ErrorLines[1]);
        Assert.Contains(several.ErrorLines, line => line.StartsWith(Pid(target) + "  dotnet ", StringComparison.Ordinal) && line.Contains("TailGuard.TargetApp.dll", StringComparison.Ordinal));
        Assert.DoesNotContain("Attached", several.Error, StringComparison.Ordinal);
        AssertFails(none, 1, "No .NET process named 'no-such-app-");
    }

    [Fact]
    public async Task An_slo_over_no_requests_fails_and_says_so_and_both_files_are_replaced_only_then()
    {
        var target = await _shared.GetAsync();
        var report = Existing("report.json");
        var trace = Existing("run.nettrace");

        var result = await ToolRun.RunAsync("attach", Pid(target), "-d", "2s", "--no-live", "--format", "JSON", "-o", report.Path,
            "--nettrace", trace.Path, "--slo", "p99<1us");

        Assert.True(result.ExitCode == 3, result.ToString());
        Assert.Contains("dotnet-tailguard: SLO not met: no request was seen, and an SLO over no requests fails (p99<1us).", result.ErrorLines);
        Assert.DoesNotContain("   at ", result.Error, StringComparison.Ordinal);
        using var json = JsonDocument.Parse(await File.ReadAllTextAsync(report.Path));
        Assert.Equal(0, json.RootElement.GetProperty("requests").GetProperty("count").GetInt64());
        var slo = json.RootElement.GetProperty("slo");
        Assert.False(slo.GetProperty("passed").GetBoolean());
        Assert.False(slo.GetProperty("rules")[0].GetProperty("passed").GetBoolean());
        Assert.Contains(json.RootElement.GetProperty("session").GetProperty("notes").EnumerateArray(),
            n => n.GetString()!.StartsWith("No request was seen", StringComparison.Ordinal));
        Assert.NotEqual(trace.Bytes, File.ReadAllBytes(trace.Path));
        Assert.Equal(["report.json", "run.nettrace"], Directory.GetFiles(_folder).Select(Path.GetFileName).Order());
    }

    [Fact]
    public async Task A_violated_slo_with_an_output_file_names_the_rule_on_standard_error()
    {
        var trace = InFolder("recorded.nettrace");
        await using (var gzip = new GZipStream(File.OpenRead(Path.Combine(TestPaths.RepoRoot, "tests", "TailGuard.RuntimeProbe.Tests", "Traces", "starved-gc-contention.nettrace.gz")), CompressionMode.Decompress))
        await using (var file = File.Create(trace))
        {
            await gzip.CopyToAsync(file);
        }

        var report = Existing("report.json");

        var result = await ToolRun.RunAsync("analyze", trace, "--format", "Json", "-o", report.Path, "--slo", "p50<1us,max<100s");

        Assert.True(result.ExitCode == 3, result.ToString());
        Assert.Equal(2, result.ErrorLines.Length);
        Assert.Equal($"Report written to {report.Path}", result.ErrorLines[0]);
        Assert.StartsWith("dotnet-tailguard: SLO violated: p50<1us (actual ", result.ErrorLines[1], StringComparison.Ordinal);
        Assert.DoesNotContain("max<100s", result.ErrorLines[1], StringComparison.Ordinal);
        using var json = JsonDocument.Parse(await File.ReadAllTextAsync(report.Path));
        Assert.False(json.RootElement.GetProperty("slo").GetProperty("passed").GetBoolean());
    }

    [Fact]
    public async Task Ps_has_a_header_row()
    {
        await _shared.GetAsync();

        var result = await ToolRun.RunAsync("ps");

        Assert.Equal(0, result.ExitCode);
        Assert.Matches(@"^\s+PID  NAME\s+COMMAND LINE$", result.Out.Split('\n')[0]);
    }

    [Theory]
    [InlineData("ps")]
    [InlineData("attach")]
    [InlineData("analyze")]
    [InlineData("providers")]
    [InlineData("sizes")]
    [InlineData("monitor")]
    public async Task Every_command_documents_its_exit_codes_and_only_errors_it_can_meet(string command)
    {
        var result = await ToolRun.RunAsync(command, "--help");

        Assert.Equal(0, result.ExitCode);
        Assert.Contains("Exit codes: 0 ", result.Out, StringComparison.Ordinal);
        Assert.Contains("2 usage error", result.Out, StringComparison.Ordinal);
        if (command is "analyze" or "sizes")
        {
            Assert.DoesNotContain("no such process", result.Out, StringComparison.Ordinal);
            Assert.DoesNotContain("not a .NET process", result.Out, StringComparison.Ordinal);
        }
    }
}
