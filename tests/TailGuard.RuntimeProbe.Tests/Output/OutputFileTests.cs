using TailGuard.Output;

namespace TailGuard.RuntimeProbe.Tests.Output;

/// <summary>
/// The output writer: a file is replaced only by a complete report, a failed run leaves it byte for byte as it was and no
/// empty file, and a path that is an input (by any name) or cannot be written is refused before any work.
/// </summary>
public sealed class OutputFileTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("tailguard-output-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    private string Existing(string name, string content)
    {
        var path = Path.Combine(_folder, name);
        File.WriteAllText(path, content);
        return path;
    }

    private string[] FolderContents() => [.. Directory.GetFileSystemEntries(_folder).Select(Path.GetFileName).Order()!];

    private static void WriteAll(OutputFile file, string content)
    {
        using var writer = new StreamWriter(file.OpenWrite());
        writer.Write(content);
    }

    [Fact]
    public void The_file_is_replaced_only_when_the_write_is_committed()
    {
        var path = Existing("report.json", "old");
        using var file = OutputFile.Reserve(new FileInfo(path), "report");

        WriteAll(file, "new");
        Assert.Equal("old", File.ReadAllText(path));
        file.Commit();

        Assert.Equal("new", File.ReadAllText(path));
        Assert.Equal(["report.json"], FolderContents());
    }

    [Fact]
    public void A_write_that_is_not_committed_leaves_the_existing_file_as_it_was_and_nothing_beside_it()
    {
        var path = Existing("report.json", "old report");
        var before = File.ReadAllBytes(path);

        using (var file = OutputFile.Reserve(new FileInfo(path), "report"))
        {
            WriteAll(file, "half a rep");
        }

        Assert.Equal(before, File.ReadAllBytes(path));
        Assert.Equal(["report.json"], FolderContents());
    }

    [Fact]
    public void A_new_file_that_is_never_committed_leaves_no_empty_file()
    {
        var path = Path.Combine(_folder, "new.json");

        using (OutputFile.Reserve(new FileInfo(path), "report"))
        {
        }

        Assert.Empty(FolderContents());
    }

    [Fact]
    public void A_report_whose_rendering_fails_leaves_the_existing_file_as_it_was()
    {
        var path = Existing("report.md", "the previous report");
        var before = File.ReadAllBytes(path);
        var registry = new RendererRegistry<string>(new FailingRenderer());

        using (var output = ReportOutput<string>.Open(registry, "markdown", new FileInfo(path), TextWriter.Null, TextWriter.Null))
        {
            Assert.Throws<UserError>(() => output.Write("report"));
        }

        Assert.Equal(before, File.ReadAllBytes(path));
        Assert.Equal(["report.md"], FolderContents());
    }

    [Fact]
    public void The_input_is_refused_under_another_name_through_a_link_or_a_relative_path()
    {
        var trace = Existing("run.nettrace", "trace bytes");
        var link = Path.Combine(_folder, "link.nettrace");
        File.CreateSymbolicLink(link, "run.nettrace");
        Directory.CreateDirectory(Path.Combine(_folder, "sub"));
        FileInUse[] inUse = [new(trace, "the trace being analyzed")];

        foreach (var output in new[] { trace, link, Path.Combine(_folder, "sub", "..", "run.nettrace") })
        {
            var error = Assert.Throws<UserError>(() => OutputFile.Reserve(new FileInfo(output), "report", inUse));
            Assert.EndsWith("it is the trace being analyzed, which the report would replace.", error.Message, StringComparison.Ordinal);
        }

        Assert.Equal("trace bytes", File.ReadAllText(trace));
    }

    [Fact]
    public void Writing_through_a_link_replaces_the_file_it_names_and_keeps_the_link()
    {
        var real = Existing("real.json", "old");
        var link = Path.Combine(_folder, "latest.json");
        File.CreateSymbolicLink(link, real);

        using (var file = OutputFile.Reserve(new FileInfo(link), "report"))
        {
            WriteAll(file, "new");
            file.Commit();
        }

        Assert.Equal(real, new FileInfo(link).LinkTarget);
        Assert.Equal("new", File.ReadAllText(real));
    }

    [Fact]
    public void An_existing_file_keeps_its_permissions()
    {
        if (OperatingSystem.IsWindows())
        {
            return; // No Unix permissions to keep.
        }

        var path = Existing("report.json", "old");
        File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite);

        using (var file = OutputFile.Reserve(new FileInfo(path), "report"))
        {
            WriteAll(file, "new");
            file.Commit();
        }

        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(path));
    }

    [Theory]
    [InlineData("/proc/version", "it is a file of the kernel's /proc or /sys file system")]
    [InlineData("/nonexistent/dir/report.json", "the folder '/nonexistent/dir' does not exist.")]
    [InlineData("/tmp", "it is a folder; give a file name.")]
    public void A_path_that_cannot_take_the_report_is_refused_before_any_work(string path, string why)
    {
        var error = Assert.Throws<UserError>(() => OutputFile.Reserve(new FileInfo(path), "report"));

        Assert.StartsWith($"Cannot write the report to '{path}': {why}", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_device_is_written_in_place_and_never_replaced()
    {
        using var file = OutputFile.Reserve(new FileInfo("/dev/null"), "report");

        WriteAll(file, "discarded");
        file.Commit();

        Assert.Null(file.TemporaryPath);
        Assert.Empty(Directory.GetFiles("/dev", ".null.*"));
    }

    [Fact]
    public void Relative_paths_and_links_resolve_to_the_same_file()
    {
        var real = Existing("a.json", "x");
        var linkedFolder = Path.Combine(_folder, "linked");
        Directory.CreateSymbolicLink(linkedFolder, _folder);

        Assert.True(FileIdentity.SameFile(Path.Combine(linkedFolder, "a.json"), real));
        Assert.True(FileIdentity.SameFile(Path.Combine(_folder, ".", "a.json"), real));
        Assert.False(FileIdentity.SameFile(Path.Combine(_folder, "b.json"), real));
    }

    private sealed class FailingRenderer : IRenderer<string>
    {
        public string Format => OutputFormats.Markdown;

        public string FileExtension => ".md";

        public void Render(string report, TextWriter writer)
        {
            writer.Write("# half a report");
            writer.Flush();
            throw new IOException("No space left on device");
        }
    }
}
